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

import java.util.ArrayList;
import java.util.List;
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
 * restart of the daemon, and an operator's {@code kubectl uncordon} shows. The view is asked when a run cordons,
 * uncordons or ends (again a second later: the view's watch may lag), and every {@link #REFRESH_MS} ms.
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
      if (touchesCordon(m.body())) {
        refreshCordoned();
        vertx.setTimer(1_000, t -> refreshCordoned());
      }
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

  private static boolean touchesCordon(JsonObject e) {
    String type = e.getString("type", "");
    String step = e.getString("step", "");
    return "takeover.run.finished".equals(type)
        || "takeover.step.finished".equals(type) && ("cordon".equals(step) || "uncordon".equals(step));
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

  /** The cordoned nodes of the view, each asked whether the cordon is Takeover's; kept as is if the view fails. */
  private void refreshCordoned() {
    long mine = ++asked;
    vertx.eventBus().<JsonObject>request(ClusterWatch.SUMMARY, new JsonObject(), ASK).compose(summary -> {
      if (!summary.body().getBoolean("synced", false)) {
        return Future.failedFuture("the cluster view is not synced yet");
      }
      List<Future<String>> ours = new ArrayList<>();
      for (Object name : summary.body().getJsonArray("cordoned", new JsonArray())) {
        ours.add(vertx.eventBus().<JsonObject>request(ClusterWatch.NODE, String.valueOf(name), ASK)
            .map(r -> r.body() != null && r.body().getBoolean("cordoned", false)
                && r.body().getBoolean("cordonedByTakeover", false) ? String.valueOf(name) : null));
      }
      return Future.all(ours).map(all -> {
        Set<String> nodes = new TreeSet<>();
        for (int i = 0; i < all.size(); i++) {
          if (all.resultAt(i) != null) {
            nodes.add(all.resultAt(i));
          }
        }
        return nodes;
      });
    }).onSuccess(nodes -> {
      if (mine > applied) {
        applied = mine;
        meters.cordonedNow(nodes);
      }
    }).onFailure(e -> LOG.debug("cordoned nodes not refreshed: {}", e.getMessage()));
  }
}
