package dev.takeover.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * How the engine may recover a node that is down ({@code deadNodes.*} of the daemon's config), passed in.
 *
 * @param defaultPolicy     the policy of a node that neither selector matches ({@code deadNodes.policy})
 * @param automatic         nodes whose policy is {@link Policy#AUTOMATIC} ({@code deadNodes.automatic}); looked at first
 * @param manual            nodes whose policy is {@link Policy#MANUAL} ({@code deadNodes.manual})
 * @param recoverAfter      how long a node's Lease must have gone unrenewed before it may be recovered, whatever asks
 * @param maxDownShare      when more than this share of the nodes is down at once, none is recovered (a partition or a
 *                          control-plane problem is likelier than that many dead machines)
 * @param outOfServiceTaint recover with the out-of-service taint (Kubernetes 1.28+); false: force-delete the stuck
 *                          pods at once, for clusters without the NodeOutOfServiceVolumeDetach feature
 * @param podGcWait         after the taint, how long pod GC may take to delete the stuck pods before Takeover
 *                          force-deletes them itself (a cluster whose feature is off ignores the taint)
 */
public record RecoveryConfig(Policy defaultPolicy, NodeLabelSelector automatic, NodeLabelSelector manual,
                             Duration recoverAfter, double maxDownShare, boolean outOfServiceTaint, Duration podGcWait) {

  /** What Takeover does about a node that is down. */
  public enum Policy {
    /** Detection only (the default). */
    NOTIFY,
    /** Recovery on an explicit request (a recover ticket, Slack's confirmation button). */
    MANUAL,
    /** Recovery after {@code recoverAfter}, fenced by the configured hook. */
    AUTOMATIC;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * What Takeover does next about a node just reported down under a policy ({@code label()}; anything else, e.g.
     * an event of an older version without one: that it changed nothing), for the people told of it.
     */
    public static String next(String policy) {
      return switch (policy == null ? "" : policy) {
        case "notify" -> "Takeover changed nothing (deadNodes policy notify: detection only)";
        case "manual" -> "Takeover changed nothing: once the node is powered off, recover it with a recover ticket or"
            + " /takeover recover (deadNodes policy manual)";
        case "automatic" -> "Takeover changed nothing yet: it recovers the node once its Lease has gone unrenewed for"
            + " deadNodes.recoverAfter, after the fencing hook powered it off (deadNodes policy automatic)";
        default -> "Takeover changed nothing";
      };
    }

    /** @throws IllegalArgumentException for anything but notify, manual or automatic */
    public static Policy parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("must be notify, manual or automatic, not '" + text + "'");
      }
    }
  }

  public RecoveryConfig {
    if (recoverAfter.isNegative() || podGcWait.isNegative() || podGcWait.isZero()) {
      throw new IllegalArgumentException("recoverAfter must not be negative, podGcWait must be positive");
    }
    if (!(maxDownShare > 0 && maxDownShare <= 1)) {
      throw new IllegalArgumentException("maxDownShare must be more than 0 and at most 1, got " + maxDownShare);
    }
  }

  /** Notify only; recoverAfter 10 min, at most a third of the nodes down, the taint with 1 min for pod GC. */
  public static RecoveryConfig defaults() {
    return new RecoveryConfig(Policy.NOTIFY, NodeLabelSelector.NONE, NodeLabelSelector.NONE, Duration.ofMinutes(10),
        1.0 / 3, true, Duration.ofMinutes(1));
  }

  /** The policy of a node with these labels: automatic's selector first, then manual's, else the default. */
  public Policy policyOf(Map<String, String> labels) {
    if (automatic.matches(labels)) {
      return Policy.AUTOMATIC;
    }
    if (manual.matches(labels)) {
      return Policy.MANUAL;
    }
    return defaultPolicy;
  }

  /** Whether some node may be recovered automatically (then a fencing hook is required). */
  public boolean anyAutomatic() {
    return defaultPolicy == Policy.AUTOMATIC || !automatic.isEmpty();
  }

  /** Whether {@code down} of {@code total} nodes is more than the share recoveries are allowed at. */
  public boolean partitioned(int down, int total) {
    // Compared as fractions: 1 of 3 is not "more than" 1/3, however 1/3 rounds as a double.
    return total > 0 && down > 0 && (double) down / total - maxDownShare > 1e-9;
  }

  public RecoveryConfig withDefaultPolicy(Policy p) {
    return new RecoveryConfig(p, automatic, manual, recoverAfter, maxDownShare, outOfServiceTaint, podGcWait);
  }

  public RecoveryConfig withAutomatic(NodeLabelSelector s) {
    return new RecoveryConfig(defaultPolicy, s, manual, recoverAfter, maxDownShare, outOfServiceTaint, podGcWait);
  }

  public RecoveryConfig withManual(NodeLabelSelector s) {
    return new RecoveryConfig(defaultPolicy, automatic, s, recoverAfter, maxDownShare, outOfServiceTaint, podGcWait);
  }

  public RecoveryConfig withRecoverAfter(Duration d) {
    return new RecoveryConfig(defaultPolicy, automatic, manual, d, maxDownShare, outOfServiceTaint, podGcWait);
  }

  public RecoveryConfig withMaxDownShare(double share) {
    return new RecoveryConfig(defaultPolicy, automatic, manual, recoverAfter, share, outOfServiceTaint, podGcWait);
  }

  public RecoveryConfig withOutOfServiceTaint(boolean taint) {
    return new RecoveryConfig(defaultPolicy, automatic, manual, recoverAfter, maxDownShare, taint, podGcWait);
  }

  public RecoveryConfig withPodGcWait(Duration d) {
    return new RecoveryConfig(defaultPolicy, automatic, manual, recoverAfter, maxDownShare, outOfServiceTaint, d);
  }
}
