package dev.takeover.cluster;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.daemon.EngineVerticle;
import dev.takeover.kube.Kube;
import dev.takeover.kube.ListWatch;
import dev.takeover.kube.WatchHealth;
import dev.takeover.kube.WatchScope;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Detects nodes that stopped with StatefulSet pods on them ({@link DeadNodes} decides), and says so on the event
 * bus address {@value #ADDRESS}:
 * <pre>
 * {"type": "node.down" | "node.recovered", "node": "kube-node02", "time": "2026-12-02T10:05:01Z",
 *  "data": {"pods": [{"pod": "default/mysql-0", "claims": [{"claim": "pvc-mysql-0", "volume": "pv1"}]}],
 *           "notReadySince": "…", "leaseRenewedAt": "…" | null, "reason": "…"}}
 * </pre>
 * It only reads: nodes and the Leases of kube-node-lease through list-watches, and the pods of a suspect node (field
 * selector {@code spec.nodeName}) with their claims when it is about to be said down. A node whose Lease is renewed
 * while it is not Ready is logged as alive. Also on {@value #ADDRESS}:
 * <ul>
 *   <li>{@code {"type": "nodes.partitioned" | "nodes.partition-over", "node": "", "time", "data": {"down": [names],
 *   "total": n, "maxDownShare": x, "reason": "…"}}}: more than {@code deadNodes.maxDownShare} of the nodes are down
 *   at once (the engine recovers none), and when that is over;</li>
 *   <li>{@code {"type": "node.taint-removed", "node", "time", "data": {"ticket", "reason"}}}: a node Takeover
 *   tainted out-of-service is Ready, and the engine removed the taint. The watch only asks
 *   ({@link EngineVerticle#END_OUT_OF_SERVICE}); the engine re-reads and writes. What is asked follows from the
 *   node's marker annotation, so a restarted daemon finishes what the last one left.</li>
 * </ul>
 * {@value #GUARD} answers what the partition guard sees now: {@code {"synced", "down": [names], "total", "held"}}.
 */
public final class DeadNodeWatch extends VerticleBase {
  public static final String ADDRESS = "takeover.node.events";
  public static final String DOWN = "node.down";
  public static final String RECOVERED = "node.recovered";
  public static final String PARTITIONED = "nodes.partitioned";
  public static final String PARTITION_OVER = "nodes.partition-over";
  public static final String TAINT_REMOVED = "node.taint-removed";
  /**
   * In a node.down's data: true when an earlier leader told this down period already (see {@link ToldDown}); only
   * this process's own followers of it take it, never people again.
   */
  public static final String RETOLD = "retold";

  /** Request/reply, local: what the partition guard sees now (for the metrics, and for whoever must not act). */
  public static final String GUARD = "takeover.node.guard";
  /** The engine re-reads the node and its Lease before it writes: a few API calls, each bounded by the client. */
  static final DeliveryOptions END_OUT_OF_SERVICE_ASK = new DeliveryOptions().setSendTimeout(60_000);
  static final String LEASE_NAMESPACE = "kube-node-lease";
  private static final Logger LOG = LoggerFactory.getLogger(DeadNodeWatch.class);

  private final Kube kube;
  private final Duration grace;
  private final RecoveryConfig recovery;
  private final Duration relistPeriod;
  private final Clock clock;
  private DeadNodes dead;
  private final List<ListWatch<?>> watches = new ArrayList<>();
  private long ticker = -1;
  /**
   * A node.down being told (its claims are read first), by node: its node.recovered waits for it, so the two are
   * never told in the wrong order, which would leave the gauge up and an automatic recovery due for a node that is back.
   */
  private final Map<String, Future<Void>> tellingDown = new HashMap<>();
  /** What was told, on the state topic: a new leader tells no down period twice. */
  private ToldDown told;

  /** A node.down told before by an earlier leader: for the gauge and automatic recovery, not for people. */
  public static boolean retold(JsonObject event) {
    JsonObject data = event == null ? null : event.getJsonObject("data");
    return data != null && data.getBoolean(RETOLD, false);
  }

  public DeadNodeWatch(Kube kube, Duration grace, RecoveryConfig recovery, Duration relistPeriod, Clock clock) {
    this.kube = kube;
    this.grace = grace;
    this.recovery = recovery;
    this.relistPeriod = relistPeriod;
    this.clock = clock;
  }

  /** With the default recovery settings (maxDownShare 1/3). */
  public DeadNodeWatch(Kube kube, Duration grace, Duration relistPeriod, Clock clock) {
    this(kube, grace, RecoveryConfig.defaults(), relistPeriod, clock);
  }

  @Override
  public Future<?> start() {
    // A suspect without StatefulSet pods is listed again after a grace: it gets none while down, and this bounds
    // the pod lists of a node that stays dead for days.
    dead = new DeadNodes(grace, grace, recovery);
    told = new ToldDown(vertx);
    told.load(dead::toldBefore); // until then nothing is said down: it may have been said already
    vertx.eventBus().<JsonObject>localConsumer(GUARD, m -> {
      DeadNodes.Guard g = dead.guard(clock.instant());
      m.reply(new JsonObject().put("synced", g.synced()).put("down", new JsonArray(g.down())).put("total", g.total())
          .put("held", g.held()));
    });
    WatchHealth health = WatchHealth.logged(LOG);
    WatchScope<Lease> leases = new WatchScope<>("leases in " + LEASE_NAMESPACE, Lease.class, LEASE_NAMESPACE, null, null);
    Future<?> nodes = ListWatch.start(context, kube.calls(), WatchScope.nodes(), relistPeriod, health,
        new ListWatch.Listener<Node>() {
          @Override
          public void listed(List<Node> items) {
            dead.nodesListed(items.stream().map(NodeViews::view).toList(), clock.instant());
          }

          @Override
          public void changed(Watcher.Action action, Node node) {
            if (action == Watcher.Action.DELETED) {
              dead.nodeRemoved(node.getMetadata().getName());
            } else if (action == Watcher.Action.ADDED || action == Watcher.Action.MODIFIED) {
              dead.node(NodeViews.view(node), clock.instant());
            }
          }
        }).onSuccess(watches::add);
    Future<?> leaseWatch = ListWatch.start(context, kube.calls(), leases, relistPeriod, health,
        new ListWatch.Listener<Lease>() {
          @Override
          public void listed(List<Lease> items) {
            Map<String, NodeViews.LeaseView> all = new HashMap<>();
            items.forEach(l -> all.put(l.getMetadata().getName(), NodeViews.lease(l, clock.instant())));
            dead.leasesListed(all);
          }

          @Override
          public void changed(Watcher.Action action, Lease lease) {
            if (action == Watcher.Action.DELETED) {
              dead.leaseRemoved(lease.getMetadata().getName());
            } else if (action == Watcher.Action.ADDED || action == Watcher.Action.MODIFIED) {
              dead.lease(lease.getMetadata().getName(), NodeViews.lease(lease, clock.instant()));
            }
          }
        }).onSuccess(watches::add);
    // Down is a matter of time passing, not only of changes: look every quarter of the grace (0.5 s to 15 s).
    long every = Math.max(500, Math.min(15_000, grace.toMillis() / 4));
    ticker = vertx.setPeriodic(every, t -> pass());
    return Future.join(nodes, leaseWatch);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(ticker);
    told.stop();
    watches.forEach(ListWatch::close);
    return Future.succeededFuture();
  }

  private void pass() {
    told.flush();
    DeadNodes.Pass pass = dead.pass(clock.instant());
    for (DeadNodes.Decision d : pass.decisions()) {
      if (d instanceof DeadNodes.StillDown s) {
        retell(s.down());
      } else if (d instanceof DeadNodes.Alive a) {
        LOG.info("node {} is alive: {}", a.node(), a.reason());
      } else if (d instanceof DeadNodes.Recovered r) {
        tellingDown.getOrDefault(r.node(), Future.succeededFuture()).onComplete(x -> {
          LOG.info("node {} recovered: {}", r.node(), r.reason());
          publish(RECOVERED, r.node(), r.pods().stream().map(p -> new JsonObject().put("pod", p)).toList(),
              r.notReadySince(), r.leaseRenewedAt(), r.reason(), null);
          told.recovered(r.node());
        });
      } else if (d instanceof DeadNodes.Partitioned p) {
        LOG.warn("recovery held: {}", p.reason());
        publishGuard(PARTITIONED, p.down(), p.total(), p.maxDownShare(), p.reason());
      } else if (d instanceof DeadNodes.PartitionOver p) {
        LOG.info("recovery no longer held: {}", p.reason());
        publishGuard(PARTITION_OVER, p.down(), p.total(), p.maxDownShare(), p.reason());
      } else if (d instanceof DeadNodes.EndOutOfService e) {
        endOutOfService(e);
      } // Down never comes from a pass: a suspect's pods are listed first
    }
    pass.suspects().forEach(this::listPods);
  }

  private void listPods(String node) {
    kube.pods.onNode(node).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("pods on suspect node {} not listed: {}", node, ar.cause().getMessage());
        dead.listFailed(node);
        return;
      }
      List<Pod> stuck = ar.result().stream().filter(NodeViews::ofStatefulSet).toList();
      DeadNodes.Down down = dead.podsListed(node,
          stuck.stream().map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()).toList(),
          clock.instant());
      if (down != null) {
        Future<Void> telling = StuckPods.withClaims(kube, stuck).map(claims -> {
          LOG.warn("node {} is down: {}", node, down.reason());
          JsonObject data = publish(DOWN, node, claims, down.notReadySince(), down.leaseRenewedAt(), down.reason(),
              down.silentSince());
          told.down(node, data);
          return null;
        });
        tellingDown.put(node, telling);
        telling.onComplete(x -> tellingDown.remove(node, telling));
      }
    });
  }

  /** Asks the engine to remove the taint; a failure or a "not removed" is asked again on a later pass. */
  private void endOutOfService(DeadNodes.EndOutOfService e) {
    LOG.info("node {}: {}", e.node(), e.reason());
    vertx.eventBus().<JsonObject>request(EngineVerticle.END_OUT_OF_SERVICE, new JsonObject().put("node", e.node()),
        END_OUT_OF_SERVICE_ASK).onComplete(ar -> {
          boolean removed = false;
          String ticket = e.ticket();
          String reason;
          try {
            JsonObject reply = ar.succeeded() ? ar.result().body() : null;
            reason = reply != null ? reply.getString("reason", "(no reason)")
                : ar.failed() ? ar.cause().getMessage() : "no answer";
            removed = reply != null && reply.getBoolean("removed", false);
            if (removed && reply.getString("ticket") != null) {
              ticket = reply.getString("ticket");
            }
          } catch (RuntimeException bad) {
            // An answer of the wrong shape must not leave the node "in flight" for ever: it is a failure.
            reason = "the answer is not {removed, ticket, reason}: " + bad.getMessage();
            removed = false;
          }
          dead.outOfServiceEnded(e.node(), e.ticket(), removed, clock.instant());
          if (removed) {
            LOG.info("node {}: out-of-service taint of ticket {} removed: {}", e.node(), ticket, reason);
            vertx.eventBus().publish(ADDRESS, new JsonObject().put("type", TAINT_REMOVED).put("node", e.node())
                .put("time", clock.instant().toString())
                .put("data", new JsonObject().put("ticket", ticket).put("reason", reason)));
          } else {
            LOG.warn("node {}: out-of-service taint not removed, asked again in {} s: {}", e.node(),
                NodeGuards.UNTAINT_RETRY.toSeconds(), reason);
          }
        });
  }

  private void publishGuard(String type, List<String> down, int total, double maxDownShare, String reason) {
    vertx.eventBus().publish(ADDRESS, new JsonObject().put("type", type).put("node", "")
        .put("time", clock.instant().toString())
        .put("data", new JsonObject().put("down", new JsonArray(down)).put("total", total)
            .put("maxDownShare", maxDownShare).put("reason", reason)));
  }

  /**
   * A down period an earlier leader told, still going on: told again on this process's bus only, marked
   * {@code "retold": true}, for the parts that follow it here (the gauge, automatic recovery); the subscribers that
   * tell people or other systems (Kubernetes Events, Slack, CloudEvents) pass it by: they were told.
   */
  private void retell(DeadNodes.Down d) {
    LOG.info("node {} is still down, as told before (not told again): {}", d.node(), d.reason());
    JsonObject data = told.data(d.node()); // what was told, claims and policy included; always kept with the period
    vertx.eventBus().publish(ADDRESS, new JsonObject().put("type", DOWN).put("node", d.node())
        .put("time", clock.instant().toString()).put("data", (data == null ? new JsonObject() : data.copy())
            .put(RETOLD, true)));
  }

  /** The event's data. */
  private JsonObject publish(String type, String node, List<JsonObject> pods, Instant notReadySince,
                             Instant leaseRenewedAt, String reason, Instant silentSince) {
    JsonObject data = new JsonObject().put("pods", new JsonArray(new ArrayList<>(pods)))
        .put("notReadySince", notReadySince == null ? null : notReadySince.toString())
        .put("leaseRenewedAt", leaseRenewedAt == null ? null : leaseRenewedAt.toString())
        .put("reason", reason);
    if (silentSince != null) {
      data.put("silentSince", silentSince.toString());
    }
    if (DOWN.equals(type)) {
      // What happens next depends on it; told so that nobody has to look the selectors up at 3 a.m.
      data.put("policy", recovery.policyOf(dead.labels(node)).label());
    }
    vertx.eventBus().publish(ADDRESS, new JsonObject().put("type", type).put("node", node)
        .put("time", clock.instant().toString()).put("data", data));
    return data;
  }
}
