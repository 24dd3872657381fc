package dev.takeover.engine;

/**
 * The steps of a run, in order. The current one is published and recorded on the Node. A takeover goes plan, cordon,
 * drain, confirm, uncordon; a recovery of a dead node goes plan, fence, taint, confirm.
 */
public enum Step {
  PLAN, CORDON, DRAIN, CONFIRM, UNCORDON, FENCE, TAINT;

  /** Lower-case name used in events, annotations and output. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
