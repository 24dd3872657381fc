package dev.takeover.ticket;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One maintenance request, whatever its source (command line, Kafka, Slack, Alertmanager, HTTP).
 * The engine takes nothing else: every adapter turns its input into a Ticket or a {@link TicketRejected}.
 *
 * @param id        stable id of the request; recorded on the Node so a restarted daemon knows what it was doing
 * @param node      the node to take over
 * @param kind      take the node out, or release a node that was kept cordoned
 * @param options   the operator's choices for this request
 * @param source    where it came from ("cli", "kafka", "slack", …)
 * @param requester who asked (a user name, a topic, an alert); never a secret
 * @param reason    free text shown in events ("kernel upgrade")
 */
public record Ticket(String id, String node, Kind kind, Options options, String source, String requester, String reason) {

  /** What the ticket asks for. */
  public enum Kind {
    /** cordon → drain → confirm → uncordon (or keep cordoned). */
    TAKEOVER,
    /** Uncordon a node that an earlier takeover kept cordoned. */
    RELEASE
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
   */
  public record Options(boolean dryRun, boolean keepCordoned, boolean deleteEmptyDirData, boolean force,
                        boolean allowLocalVolumes, boolean allowControlPlane,
                        Duration drainTimeout, Duration confirmTimeout) {
    public static Options defaults() {
      return new Options(false, false, false, false, false, false, null, null);
    }

    public Options withDryRun(boolean v) {
      return new Options(v, keepCordoned, deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, drainTimeout, confirmTimeout);
    }

    public Options withKeepCordoned(boolean v) {
      return new Options(dryRun, v, deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, drainTimeout, confirmTimeout);
    }

    public Options withDrainTimeout(Duration d) {
      return new Options(dryRun, keepCordoned, deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, d, confirmTimeout);
    }

    public Options withConfirmTimeout(Duration d) {
      return new Options(dryRun, keepCordoned, deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane, drainTimeout, d);
    }
  }

  // RFC 1123 subdomain: what the API server accepts as a Node name.
  private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

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

  /** A takeover request with a fresh id. */
  public static Ticket takeover(String node, Options options, String source, String requester, String reason) {
    return new Ticket(newId(), node, Kind.TAKEOVER, options, source, requester, reason);
  }

  /** A release (uncordon) request with a fresh id. */
  public static Ticket release(String node, String source, String requester, String reason) {
    return new Ticket(newId(), node, Kind.RELEASE, Options.defaults(), source, requester, reason);
  }

  private static String newId() {
    return "tk-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
