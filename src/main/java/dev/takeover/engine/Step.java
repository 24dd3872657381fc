package dev.takeover.engine;

/** The steps of a run, in order. The current one is published and recorded on the Node. */
public enum Step {
  PLAN, CORDON, DRAIN, CONFIRM, UNCORDON;

  /** Lower-case name used in events, annotations and output. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
