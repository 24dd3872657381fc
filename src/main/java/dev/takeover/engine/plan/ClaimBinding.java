package dev.takeover.engine.plan;

import java.util.Objects;

/**
 * A pod's claim and the PersistentVolume it is bound to now, in the pod's namespace.
 *
 * <p>The confirm step checks that the recreated pod uses the same claim, still bound to this
 * volume. {@code volume} is {@code null} when the claim was not found or is not Bound; the plan
 * then carries a warning.
 */
public record ClaimBinding(String claim, String volume) {

  public ClaimBinding {
    Objects.requireNonNull(claim, "claim");
  }

  public boolean bound() {
    return volume != null;
  }

  @Override
  public String toString() {
    return claim + " → " + (volume == null ? "(unbound)" : volume);
  }
}
