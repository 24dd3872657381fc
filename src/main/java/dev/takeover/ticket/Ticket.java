package dev.takeover.ticket;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One maintenance request, whatever its source (command line, Kafka, Slack, Alertmanager, HTTP).
 * The engine takes nothing else: every adapter turns its input into a Ticket or a {@link TicketRejected}.
 *
 * @param id        stable id of the request; recorded on the Node so a restarted daemon knows what it was doing
 * @param node      the node to take over
 * @param kind      what the ticket asks for
 * @param options   the operator's choices for this request
 * @param source    where it came from ("cli", "kafka", "slack", …)
 * @param requester who asked (a user name, a topic, an alert); never a secret
 * @param reason    free text shown in events ("kernel upgrade")
 * @param window    when the run may start (and by when it must have started); null: as soon as it is allowed
 * @param target    for {@link Kind#CANCEL} the id of the ticket to cancel, for {@link Kind#RELEASE} optionally the
 *                  id of the ticket whose hold on the node ends; null otherwise
 */
public record Ticket(String id, String node, Kind kind, Options options, String source, String requester, String reason,
                     Window window, String target) {

  /** What the ticket asks for (the {@code action} of a Kafka ticket). */
  public enum Kind {
    /** cordon → drain → confirm → uncordon (or keep cordoned). */
    TAKEOVER,
    /** cordon → drain → confirm, then stay cordoned until a {@link #RELEASE}. */
    DRAIN,
    /** Uncordon a node that an earlier takeover or drain kept cordoned. */
    RELEASE,
    /** A dry run: the plan is published, nothing is changed. */
    PLAN,
    /** Cancel the ticket named by {@code target}: before its start, or at the next safe point of its run. */
    CANCEL,
    /**
     * Recover a node that is down (seed §12.1 (4)): with evidence it is off, taint it out-of-service so that its
     * StatefulSet pods are replaced elsewhere, and confirm them there. Allowed by the node's dead-node policy only.
     */
    RECOVER;

    /** The lower-case name used in JSON and events. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** When a run may start: not before {@code start} (null: now), and not after {@code end} (null: any time). */
  public record Window(Instant start, Instant end) {
    public boolean opened(Instant now) {
      return start == null || !now.isBefore(start);
    }

    public boolean over(Instant now) {
      return end != null && !now.isBefore(end);
    }
  }

  /**
   * The operator's choices. Null durations mean "the engine's configured default".
   *
   * @param dryRun             plan only, write nothing
   * @param keepCordoned       the maintenance continues after the pods moved: leave the node cordoned
   * @param deleteEmptyDirData evict pods that use emptyDir (their data is lost), as kubectl's --delete-emptydir-data
   * @param force              evict pods that no controller will recreate, as kubectl's --force
   * @param allowLocalVolumes  evict pods whose volume is pinned to this node (they will stay Pending)
   * @param allowControlPlane  allow a control-plane node
   * @param drainTimeout       how long evictions (PDB waits included) and deletions may take
   * @param confirmTimeout     how long the moved StatefulSet pods may take to be Ready elsewhere
   * @param poweredOff         for {@link Kind#RECOVER}: the requester states the node is powered off (the evidence a
   *                           manual recovery needs when no fencing hook is configured)
   */
  public record Options(boolean dryRun, boolean keepCordoned, boolean deleteEmptyDirData, boolean force,
                        boolean allowLocalVolumes, boolean allowControlPlane,
                        Duration drainTimeout, Duration confirmTimeout, boolean poweredOff) {
    public static Options defaults() {
      return new Options(false, false, false, false, false, false, null, null, false);
    }

    /** Options of a takeover or drain (not powered off). */
    public Options(boolean dryRun, boolean keepCordoned, boolean deleteEmptyDirData, boolean force,
                   boolean allowLocalVolumes, boolean allowControlPlane, Duration drainTimeout, Duration confirmTimeout) {
      this(dryRun, keepCordoned, deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, drainTimeout,
          confirmTimeout, false);
    }

    public Options withPoweredOff(boolean v) {
      return new Options(dryRun, keepCordoned, deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, drainTimeout, confirmTimeout, v);
    }

    public Options withDryRun(boolean v) {
      return new Options(v, keepCordoned, deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, drainTimeout, confirmTimeout, poweredOff);
    }

    public Options withKeepCordoned(boolean v) {
      return new Options(dryRun, v, deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, drainTimeout, confirmTimeout, poweredOff);
    }

    public Options withDrainTimeout(Duration d) {
      return new Options(dryRun, keepCordoned, deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, d, confirmTimeout, poweredOff);
    }

    public Options withConfirmTimeout(Duration d) {
      return new Options(dryRun, keepCordoned, deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, drainTimeout, d, poweredOff);
    }
  }

  /** Whether {@code name} could be a Node's name (what the API server accepts): checked before any lookup. */
  public static boolean isNodeName(String name) {
    return name != null && name.length() <= 253 && NODE_NAME.matcher(name).matches();
  }

  // RFC 1123 subdomain: what the API server accepts as a Node name.
  private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** A ticket without a window or a target (command line, tests). */
  public Ticket(String id, String node, Kind kind, Options options, String source, String requester, String reason) {
    this(id, node, kind, options, source, requester, reason, null, null);
  }

  public Ticket {
    Objects.requireNonNull(kind, "kind");
    options = options == null ? Options.defaults() : options;
    source = source == null || source.isBlank() ? "unknown" : source;
    requester = requester == null ? "" : requester;
    reason = reason == null ? "" : reason;
    if (id == null || id.isBlank()) {
      throw new TicketRejected("the ticket has no id");
    }
    if (node == null || node.isBlank()) {
      throw new TicketRejected("the ticket names no node");
    }
    if (node.length() > 253 || !NODE_NAME.matcher(node).matches()) {
      throw new TicketRejected("'" + node + "' is not a valid node name (lower-case letters, digits, '-' and '.')");
    }
    for (Duration d : new Duration[] {options.drainTimeout(), options.confirmTimeout()}) {
      if (d != null && (d.isNegative() || d.isZero())) {
        throw new TicketRejected("timeouts must be positive, got " + d);
      }
    }
  }

  /** The options the engine runs with: a drain keeps the node cordoned, a plan is a dry run. */
  public Options effectiveOptions() {
    return switch (kind) {
      case DRAIN -> options.withKeepCordoned(true);
      case PLAN -> options.withDryRun(true);
      default -> options;
    };
  }

  /** The same ticket with other options (e.g. a requester joined who keeps the node cordoned). */
  public Ticket withOptions(Options o) {
    return new Ticket(id, node, kind, o, source, requester, reason, window, target);
  }

  /** A takeover request with a fresh id. */
  public static Ticket takeover(String node, Options options, String source, String requester, String reason) {
    return new Ticket(newId(), node, Kind.TAKEOVER, options, source, requester, reason);
  }

  /** A recover request with a fresh id; {@code poweredOff}: the requester states the node is off. */
  public static Ticket recover(String node, boolean poweredOff, String source, String requester, String reason) {
    return new Ticket(newId(), node, Kind.RECOVER, Options.defaults().withPoweredOff(poweredOff), source, requester,
        reason);
  }

  /** A release (uncordon) request with a fresh id. */
  public static Ticket release(String node, String source, String requester, String reason) {
    return new Ticket(newId(), node, Kind.RELEASE, Options.defaults(), source, requester, reason);
  }

  private static String newId() {
    return "tk-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
