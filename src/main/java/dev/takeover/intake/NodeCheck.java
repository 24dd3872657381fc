package dev.takeover.intake;

import dev.takeover.cluster.ClusterWatch;
import dev.takeover.ticket.Rejection;
import dev.takeover.ticket.Ticket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * The checks of a ticket against the cluster, asked of the cluster view (never of the API server): the node exists,
 * and is not a control-plane node unless the ticket allows it. Shared by every input, so that a ticket refused on
 * Kafka is refused the same way over HTTP, Slack or Alertmanager.
 */
public final class NodeCheck {
  private NodeCheck() {}

  /**
   * Null when the node may be worked on, the rejection otherwise. Fails when the cluster view cannot answer (not
   * synced yet, or not deployed): the caller waits and asks again, or says so.
   */
  public static Future<Rejection> check(Vertx vertx, Ticket t) {
    if (t.kind() == Ticket.Kind.CANCEL || t.kind() == Ticket.Kind.RELEASE) {
      return Future.succeededFuture(null);
    }
    return vertx.eventBus().<JsonObject>request(ClusterWatch.NODE, t.node(), new DeliveryOptions().setSendTimeout(10_000))
        .map(reply -> {
          JsonObject facts = reply.body();
          if (facts == null) {
            return new Rejection("unknown-node", "node " + t.node() + " is not in the cluster");
          }
          if (facts.getBoolean("controlPlane", false) && !t.options().allowControlPlane()) {
            return new Rejection("control-plane", "node " + t.node() + " is a control-plane node"
                + " (set options.allowControlPlane to take it out anyway)");
          }
          return null;
        });
  }
}
