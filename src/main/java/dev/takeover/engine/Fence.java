package dev.takeover.engine;

import io.vertx.core.Future;

/**
 * Powers a node off before it is recovered: the evidence that the node no longer writes to its volumes
 * (medik8s' remediators fence before they taint; a recovery without it could give one ReadWriteOnce volume two
 * writers). The daemon's configured hook ({@code deadNodes.fencing.*}: an HTTP call or a command) implements it.
 */
public interface Fence {
  /**
   * Asks for {@code node} to be powered off. Completes with a one-line account when the hook reports success; fails
   * with why (one line, no secret) when it reports failure, cannot be reached, or takes longer than its timeout.
   */
  Future<String> powerOff(String node, String ticketId, String reason);

  /** What the hook is, for messages: "HTTP hook on fence.example:8443", "command /usr/local/bin/fence"; no secret. */
  String describe();
}
