package dev.takeover.subscribers;

import dev.takeover.engine.events.EventStream;
import dev.takeover.engine.events.EventText;
import dev.takeover.kube.Kube;
import dev.takeover.logs.RunKeys;
import io.fabric8.kubernetes.api.model.Node;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes the story of each run as Kubernetes Events on its Node ({@code kubectl describe node}):
 * TakeoverStarted, TakeoverCordoned, TakeoverPodEvicted, TakeoverEvictionBlocked (first refusal per pod),
 * TakeoverPodConfirmed, TakeoverUncordoned, TakeoverWatchFailing (once per cause), and TakeoverSucceeded /
 * TakeoverFailed / TakeoverRefused.
 * A dry run writes nothing. A failed write is logged and never fails the run.
 */
public final class KubeEventRecorder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubeEventRecorder.class);

  private final Kube kube;
  private final MessageConsumer<JsonObject> consumer;
  private final Map<String, Future<Node>> nodeOfRun = new HashMap<>();
  private final Set<String> dryRuns = new HashSet<>();
  private final Set<String> blockedOnce = new HashSet<>();
  private final Map<String, Promise<Void>> ticketDone = new ConcurrentHashMap<>();
  private Future<?> last = Future.succeededFuture();
  private MessageConsumer<JsonObject> nodeConsumer;

  /** Told of each Event written or not: for the daemon's notification metrics; nothing by default. */
  private java.util.function.Consumer<Boolean> told = ok -> { };

  public KubeEventRecorder(Kube kube, EventStream events) {
    this.kube = kube;
    this.consumer = events.subscribe(this::onEvent);
  }

  /**
   * Also says each Event written ({@code sent}) or not ({@code failed}) on the event bus address
   * {@code takeover.notifications}, channel {@code kubernetes-event}, as the other notifiers do.
   */
  public KubeEventRecorder toldOn(io.vertx.core.Vertx vertx) {
    told = ok -> vertx.eventBus().publish("takeover.notifications", new JsonObject()
        .put("channel", "kubernetes-event").put("result", ok ? "sent" : "failed"));
    return this;
  }

  /**
   * Also writes the dead-node watch's events ({@code takeover.node.events}) on their Node: Warning NodeDown (the
   * stuck pods with their claims and volumes), Normal NodeRecovered and Normal OutOfServiceRemoved. The partition
   * guard's events concern no single object and are not written (Slack, the CloudEvent and the metrics tell them).
   */
  public KubeEventRecorder nodeEventsOn(io.vertx.core.Vertx vertx) {
    nodeConsumer = vertx.eventBus().<JsonObject>consumer(dev.takeover.cluster.DeadNodeWatch.ADDRESS, m -> onNodeEvent(m.body()));
    return this;
  }

  private void onNodeEvent(JsonObject e) {
    String node = e.getString("node", "");
    String type = e.getString("type", "");
    JsonObject data = e.getJsonObject("data", new JsonObject());
    if (node.isEmpty() || dev.takeover.cluster.DeadNodeWatch.retold(e)) {
      return; // a down period an earlier leader told: its Event is there
    }
    if (dev.takeover.cluster.DeadNodeWatch.TAINT_REMOVED.equals(type)) {
      record(node, "OutOfServiceRemoved", "Out-of-service taint removed (recover ticket " + data.getString("ticket")
          + "): " + data.getString("reason", ""), false);
      return;
    }
    boolean down = dev.takeover.cluster.DeadNodeWatch.DOWN.equals(type);
    if (!down && !dev.takeover.cluster.DeadNodeWatch.RECOVERED.equals(type)) {
      return;
    }
    StringBuilder pods = new StringBuilder();
    for (Object p : data.getJsonArray("pods", new JsonArray())) {
      if (p instanceof JsonObject pod) {
        String claims = EventText.claims(pod.getJsonArray("claims"));
        pods.append(pods.isEmpty() ? "" : "; ").append(pod.getString("pod")).append(claims.isEmpty() ? "" : " (" + claims + ")");
      }
    }
    String message = down
        ? "Node down: " + data.getString("reason", "") + ". StatefulSet pods stuck: " + pods
            + ". " + dev.takeover.config.RecoveryConfig.Policy.next(data.getString("policy"))
        : "Node recovered: " + data.getString("reason", "") + (pods.isEmpty() ? "" : ". Pods that were stuck: " + pods);
    record(node, down ? "NodeDown" : "NodeRecovered", message, down);
  }

  private void record(String node, String reason, String message, boolean warning) {
    last = last.transform(x -> kube.nodes.get(node))
        .compose(n -> n == null ? Future.succeededFuture()
            : kube.events.onNode(n, reason, message, warning).onComplete(ar -> told.accept(ar.succeeded())))
        .onFailure(err -> LOG.warn("could not record {} on node {}: {}", reason, node, err.getMessage()))
        .transform(x -> Future.succeededFuture());
  }

  private void onEvent(JsonObject e) {
    String run = e.getString("run");
    String type = e.getString("type");
    if ("takeover.run.started".equals(type) && e.getBoolean("dryRun", false)) {
      dryRuns.add(run);
    }
    if (dryRuns.contains(run)) {
      if ("takeover.run.finished".equals(type)) {
        dryRuns.remove(run);
        Promise<Void> done = ticketDone.remove(e.getString("ticket"));
        if (done != null) {
          done.tryComplete();
        }
      }
      return;
    }
    Entry entry = entry(e);
    if (entry != null) {
      Future<Node> node = nodeOfRun.computeIfAbsent(run, r -> kube.nodes.get(e.getString("node")));
      // Chained, so the events appear in the order they happened.
      last = last.transform(x -> node).compose(n -> n == null ? Future.succeededFuture()
              : kube.events.onNode(n, entry.reason, entry.message, entry.warning).onComplete(ar -> told.accept(ar.succeeded())))
          .onFailure(err -> RunKeys.of(e).during(() -> LOG.warn("could not record {} on node {}: {}", entry.reason,
              e.getString("node"), err.getMessage())))
          .transform(x -> Future.succeededFuture());
    }
    if ("takeover.run.interrupted".equals(type)) {
      // Not an end: the run resumes (its node is read again then), and the ticket is told as finished later.
      nodeOfRun.remove(run);
      blockedOnce.removeIf(k -> k.startsWith(run + " "));
    }
    if ("takeover.run.finished".equals(type)) {
      Promise<Void> done = ticketDone.remove(e.getString("ticket"));
      if (done != null) {
        last.onComplete(x -> done.tryComplete());
      }
      nodeOfRun.remove(run);
      blockedOnce.removeIf(k -> k.startsWith(run + " "));
    }
  }

  private record Entry(String reason, String message, boolean warning) {}

  private Entry entry(JsonObject e) {
    String step = e.getString("step", "");
    return switch (e.getString("type")) {
      case "takeover.run.started" -> new Entry("TakeoverStarted", "Takeover " + e.getString("kind") + " run "
          + e.getString("run") + " for ticket " + e.getString("ticket") + " from " + e.getString("source")
          + by(e) + (e.getString("reason", "").isEmpty() ? "" : ": " + e.getString("reason")), false);
      case "takeover.step.finished" -> switch (step) {
        case "cordon" -> new Entry("TakeoverCordoned", e.getString("summary"), false);
        case "drain" -> new Entry("TakeoverDrained", "Drained: " + e.getString("summary"), false);
        case "uncordon" -> new Entry("TakeoverUncordoned", e.getString("summary"), false);
        default -> null;
      };
      case "takeover.pod.evicted" -> new Entry("TakeoverPodEvicted", "Pod " + e.getString("pod") + " "
          + e.getString("how") + " (uid " + e.getString("uid") + ")", false);
      case "takeover.pod.eviction-blocked" -> blockedOnce.add(e.getString("run") + " " + e.getString("pod"))
          ? new Entry("TakeoverEvictionBlocked", "Eviction of " + e.getString("pod") + " refused: "
              + e.getString("message") + "; retrying with backoff", true)
          : null;
      case "takeover.pod.confirmed" -> new Entry("TakeoverPodConfirmed", "Pod " + e.getString("pod") + " Ready on "
          + e.getString("toNode") + " (was on " + e.getString("fromNode") + ") with " + claimsOrNone(e.getJsonArray("claims"))
          + ", " + e.getLong("timeToReadyMs") + " ms after eviction", false);
      case "takeover.watch.failing" -> new Entry("TakeoverWatchFailing", "Watch of " + e.getString("watch")
          + " failing (" + e.getString("cause") + "); checking by listing every " + e.getLong("listingEveryMs") / 1000.0
          + " s", true);
      case "takeover.run.interrupted" -> new Entry("TakeoverInterrupted", "Run " + e.getString("run")
          + " interrupted (its node's Lease was lost), the node is left as it is for the daemon to resume it: "
          + e.getString("reason", ""), true);
      case "takeover.run.finished" -> switch (e.getString("status")) {
        case "succeeded" -> new Entry("TakeoverSucceeded", "Run " + e.getString("run") + " succeeded; node left "
            + e.getString("nodeLeft") + (e.getString("reason", "").isEmpty() ? "" : ": " + e.getString("reason")), false);
        case "refused" -> new Entry("TakeoverRefused", "Run " + e.getString("run") + " refused: " + e.getString("reason"), true);
        case "failed" -> new Entry("TakeoverFailed", "Run " + e.getString("run") + " failed: " + e.getString("reason"), true);
        default -> null;
      };
      default -> null;
    };
  }

  private static String claimsOrNone(JsonArray claims) {
    String text = EventText.claims(claims);
    return text.isEmpty() ? "no claims" : text;
  }

  private static String by(JsonObject e) {
    String who = e.getString("requester", "");
    return who.isEmpty() ? "" : " (" + who + ")";
  }

  /**
   * Completes once the events of the ticket's run, up to its end, have been written (or failed to be).
   * Ask before submitting the ticket.
   */
  public Future<Void> recorded(String ticket) {
    return ticketDone.computeIfAbsent(ticket, t -> Promise.promise()).future();
  }

  @Override
  public void close() {
    consumer.unregister();
    if (nodeConsumer != null) {
      nodeConsumer.unregister();
    }
  }
}
