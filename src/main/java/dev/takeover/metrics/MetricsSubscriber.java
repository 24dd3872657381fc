package dev.takeover.metrics;

import dev.takeover.cluster.ClusterWatch;
import dev.takeover.engine.events.EventStream;
import dev.takeover.ticket.TicketEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.TreeSet;

/**
 * Turns the event streams into {@link TakeoverMeters}: the ticket events ({@value TicketEvent#ADDRESS}), the
 * engine's events ({@value EventStream#ADDRESS}) and the notifications ({@value #NOTIFICATIONS}). The engine never
 * sees Micrometer: it publishes events, and this verticle counts them (java-operator-sdk keeps Micrometer out of
 * its core the same way).
 *
 * <p>Which nodes Takeover holds cordoned is read from the cluster view, not worked out from the events: the node's
 * record says whether the cordon is Takeover's (a node found cordoned by someone else is not), it survives a
 * restart of the daemon, and an operator's {@code kubectl uncordon} shows. The view publishes the set each time it
 * changes ({@value ClusterWatch#CORDONED}), so a cordon of a second shows however late the view's watch is; the
 * summary is also asked every {@link #REFRESH_MS} ms, for a view that published before this verticle listened.
 *
 * <p>The partition guard's gauges ({@code takeover_nodes_down}, {@code takeover_recovery_held}) are asked of the
 * dead-node watch ({@code takeover.node.guard}) on each node event and every {@link #REFRESH_MS} ms: a node goes
 * down in the guard's sense without an event (no grace, no pods needed), so events alone would leave them stale.
 */
public final class MetricsSubscriber extends VerticleBase {
  /** Where notifiers report each message: {@code {"channel": "...", "result": "sent"|"failed"}}. */
  public static final String NOTIFICATIONS = "takeover.notifications";
  static final long REFRESH_MS = 15_000;
  private static final Logger LOG = LoggerFactory.getLogger(MetricsSubscriber.class);
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(5_000);

  private final TakeoverMeters meters;
  /** Refreshes may answer out of order: only a newer one than the last applied counts. */
  private long asked;
  private long applied;
  private long guardAsked;
  private long guardApplied;

  public MetricsSubscriber(Metrics metrics) {
    this.meters = metrics.takeover();
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<JsonObject>consumer(TicketEvent.ADDRESS, m -> meters.onTicketEvent(m.body()));
    vertx.eventBus().<JsonObject>consumer(EventStream.ADDRESS, m -> {
      meters.onEngineEvent(m.body());
    });
    vertx.eventBus().<JsonArray>consumer(ClusterWatch.CORDONED, m -> {
      // The view's own word is the newest: a refresh asked before it and answered after must not undo it.
      applied = ++asked;
      meters.cordonedNow(names(m.body()));
    });
    vertx.eventBus().consumer(NOTIFICATIONS, m -> meters.onNotification(m.body()));
    vertx.eventBus().<JsonObject>consumer(dev.takeover.cluster.DeadNodeWatch.ADDRESS, m -> {
      meters.onNodeEvent(m.body());
      refreshGuard();
    });
    vertx.setPeriodic(1, REFRESH_MS, t -> {
      refreshCordoned();
      refreshGuard();
    });
    return Future.succeededFuture();
  }

  /** Kept as is when the dead-node watch does not answer (not deployed, restarting). */
  private void refreshGuard() {
    long mine = ++guardAsked;
    vertx.eventBus().<JsonObject>request(dev.takeover.cluster.DeadNodeWatch.GUARD, new JsonObject(), ASK)
        .onSuccess(answer -> {
          if (mine > guardApplied) {
            guardApplied = mine;
            meters.onNodeGuard(answer.body());
          }
        })
        .onFailure(e -> LOG.debug("partition guard not refreshed: {}", e.getMessage()));
  }

  /** The nodes the view says Takeover holds cordoned; kept as is if the view fails or is not synced. */
  private void refreshCordoned() {
    long mine = ++asked;
    vertx.eventBus().<JsonObject>request(ClusterWatch.SUMMARY, new JsonObject(), ASK).compose(summary ->
        summary.body().getBoolean("synced", false)
            ? Future.succeededFuture(names(summary.body().getJsonArray("cordonedByTakeover", new JsonArray())))
            : Future.<Set<String>>failedFuture("the cluster view is not synced yet")
    ).onSuccess(nodes -> {
      if (mine > applied) {
        applied = mine;
        meters.cordonedNow(nodes);
      }
    }).onFailure(e -> LOG.debug("cordoned nodes not refreshed: {}", e.getMessage()));
  }

  private static Set<String> names(JsonArray array) {
    Set<String> names = new TreeSet<>();
    for (Object name : array) {
      names.add(String.valueOf(name));
    }
    return names;
  }
}
