package dev.takeover.http;

import dev.takeover.cluster.ClusterWatch;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.schedule.SchedulerVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /healthz}: the process answers (its event loop turns). {@code GET /readyz}: Kubernetes and Kafka are
 * reachable and the daemon's views are up: the node view has listed the nodes, the scheduler is rebuilt from the state
 * topic and answers. 200 with each check, or 503 naming what is not ready. Each check has its own short timeout, so
 * a probe never hangs on a broker that does not answer.
 */
public final class Probes implements Routes {
  private static final Duration CHECK_PATIENCE = Duration.ofSeconds(3);

  private final Vertx vertx;
  /** Made on a worker: a Kafka client resolves its bootstrap addresses when it is built, which may wait on DNS. */
  private final Future<KafkaAdminClient> admin;

  /** Whether this replica leads: only the leader has a scheduler to ask (a follower is ready without one). */
  private final java.util.function.BooleanSupplier leading;

  public Probes(Vertx vertx, DaemonConfig config) {
    this(vertx, config, () -> true);
  }

  public Probes(Vertx vertx, DaemonConfig config, java.util.function.BooleanSupplier leading) {
    this.vertx = vertx;
    this.leading = leading;
    Map<String, String> props = new HashMap<>(config.kafka().properties());
    props.put("request.timeout.ms", String.valueOf(CHECK_PATIENCE.toMillis()));
    props.put("default.api.timeout.ms", String.valueOf(CHECK_PATIENCE.toMillis()));
    this.admin = vertx.executeBlocking(() -> KafkaAdminClient.create(vertx, props));
  }

  @Override
  public List<Route> routes() {
    return List.of(
        Route.get("/healthz", r -> Future.succeededFuture(Reply.json(200, new JsonObject().put("alive", true)))),
        Route.get("/readyz", r -> ready()));
  }

  @Override
  public Future<Void> close() {
    return admin.transform(ar -> ar.succeeded() ? ar.result().close() : Future.succeededFuture());
  }

  private Future<Reply> ready() {
    List<Future<String>> checks = new ArrayList<>();
    checks.add(check("kubernetes", vertx.eventBus().<JsonObject>request(ClusterWatch.SUMMARY, null, timeout())
        .map(m -> m.body().getBoolean("synced", false) ? null
            : "the node view has not listed the nodes yet (is the API server reachable?)")));
    checks.add(check("kafka", admin.compose(KafkaAdminClient::describeCluster).map(c -> c.getNodes() == null || c.getNodes().isEmpty()
        ? "the cluster has no broker" : null)));
    boolean leads = leading.getAsBoolean();
    checks.add(!leads ? Future.succeededFuture() : check("scheduler", vertx.eventBus().request(SchedulerVerticle.STATUS,
        new JsonObject().put("ticket", ""), timeout()).map(m -> (String) null)));
    return Future.join(checks).transform(ar -> {
      JsonObject all = new JsonObject();
      JsonArray notReady = new JsonArray();
      String[] names = {"kubernetes", "kafka", "scheduler"};
      for (int i = 0; i < checks.size(); i++) {
        String problem = checks.get(i).result();
        all.put(names[i], problem != null ? problem : i == 2 && !leads ? "not the leader (the leader runs tickets)" : "ok");
        if (problem != null) {
          notReady.add(names[i] + ": " + problem);
        }
      }
      if (notReady.isEmpty()) {
        return Future.succeededFuture(Reply.json(200, new JsonObject().put("ready", true).put("checks", all)));
      }
      return Future.succeededFuture(Reply.json(503, new JsonObject().put("error", "not-ready")
          .put("message", String.join("; ", notReady.stream().map(Object::toString).toList()))
          .put("ready", false).put("checks", all)));
    });
  }

  /** Null when fine, else a line; never fails. */
  private Future<String> check(String what, Future<String> probe) {
    return probe.recover(e -> Future.succeededFuture("no answer (" + oneLine(e) + ")"));
  }

  private static DeliveryOptions timeout() {
    return new DeliveryOptions().setSendTimeout(CHECK_PATIENCE.toMillis());
  }

  private static String oneLine(Throwable e) {
    return HttpServerVerticle.oneLine(e);
  }
}
