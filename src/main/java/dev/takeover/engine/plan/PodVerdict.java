package dev.takeover.engine.plan;

import java.util.Objects;

/**
 * The verdict of the filters on one pod: what to do with it and why, in words an operator reads.
 *
 * <p>{@code remedy} is set only on a refusal and names the flag that overrides it, so that the plan
 * can group refused pods kubectl's way: "cannot evict pods using emptyDir (use
 * --delete-emptydir-data): default/a, default/b".
 */
public record PodVerdict(Action action, String reason, String remedy) {

  public PodVerdict {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(reason, "reason");
  }

  public PodVerdict(Action action, String reason) {
    this(action, reason, null);
  }

  public static PodVerdict evict() {
    return new PodVerdict(Action.EVICT, "evict");
  }

  public static PodVerdict evict(String reason) {
    return new PodVerdict(Action.EVICT, reason);
  }

  public static PodVerdict delete(String reason) {
    return new PodVerdict(Action.DELETE, reason);
  }

  public static PodVerdict leave(String reason) {
    return new PodVerdict(Action.LEAVE, reason);
  }

  public static PodVerdict refuse(String reason) {
    return new PodVerdict(Action.REFUSE, reason);
  }

  public static PodVerdict refuse(String reason, String remedy) {
    return new PodVerdict(Action.REFUSE, reason, remedy);
  }

  /** The reason followed by the remedy in parentheses, when there is one. */
  public String describe() {
    return remedy == null ? reason : reason + " (" + remedy + ")";
  }
}
