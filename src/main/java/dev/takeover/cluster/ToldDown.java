package dev.takeover.cluster;

import dev.takeover.schedule.NodesDown;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the dead-node watch told, kept on the state topic by the scheduler ({@link NodesDown}): read once at start,
 * so that a new leader (after a failover, a rolling update, a restart) tells no down period twice and tells
 * node.recovered for one that ended meanwhile; written as node.down and node.recovered are told. A write that fails
 * is kept (the last word per node) and tried again at the next {@link #flush()}.
 */
final class ToldDown {
  private static final Logger LOG = LoggerFactory.getLogger(ToldDown.class);
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(5_000);
  /**
   * A write waits for the state topic: longer than the store's own bound on a write (its producer's delivery
   * timeout, 30 s), so that a slow broker never has this ask again while the first is still queued behind it.
   */
  private static final DeliveryOptions WRITE = new DeliveryOptions().setSendTimeout(60_000);
  /**
   * How long detection waits for the state at start: the scheduler reads the topic first. Past it (Kafka away), it
   * goes on without: a node still down is told again, rather than a node going down not told at all.
   */
  static final Duration WAIT_FOR_STATE = Duration.ofMinutes(2);
  private static final JsonObject RECOVERED = new JsonObject();

  private final Vertx vertx;
  /** The data of the node.down told for each node still down: told again, to this process only, after a failover. */
  private final Map<String, JsonObject> told = new HashMap<>();
  /** Words not yet on the state topic, by node: the data told down, or {@link #RECOVERED}. */
  private final Map<String, JsonObject> unrecorded = new LinkedHashMap<>();
  private final Set<String> writing = new HashSet<>();
  private boolean stopped;

  ToldDown(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * The down periods told before, by node, to {@code known}: asked until the scheduler answers. Past the wait,
   * {@code known} is told none, and then what the state says once it answers after all (the nodes that recovered
   * meanwhile get their node.recovered, and their records go).
   */
  void load(java.util.function.Consumer<Map<String, DeadNodes.Down>> known) {
    Promise<Map<String, DeadNodes.Down>> loaded = Promise.promise();
    long giveUpAt = System.nanoTime() + WAIT_FOR_STATE.toNanos();
    ask(loaded, giveUpAt);
    vertx.setTimer(WAIT_FOR_STATE.toMillis(), t -> {
      if (!loaded.future().isComplete() && !stopped) {
        LOG.warn("what was told of dead nodes before is not known yet: going on without it, a node still down is "
            + "told again; asked on in the background");
        known.accept(Map.of());
      }
    });
    loaded.future().onSuccess(known::accept);
  }

  private void ask(Promise<Map<String, DeadNodes.Down>> loaded, long giveUpAt) {
    vertx.eventBus().<JsonObject>request(NodesDown.ALL, new JsonObject(), ASK).onComplete(ar -> {
      if (stopped) {
        return;
      }
      if (ar.succeeded()) {
        Map<String, DeadNodes.Down> downs = new HashMap<>();
        JsonObject nodes = ar.result().body().getJsonObject("nodes", new JsonObject());
        for (String node : nodes.fieldNames()) {
          try {
            JsonObject data = nodes.getJsonObject(node);
            downs.put(node, readBack(node, data));
            told.putIfAbsent(node, data); // one told since, by this process, is newer
          } catch (RuntimeException bad) {
            LOG.warn("what was told of node {} cannot be read back ({}): it is told again if still down", node,
                bad.toString());
            unrecorded.put(node, RECOVERED); // its record goes, or it would be read and skipped at every start
          }
        }
        LOG.info("{} down period(s) told before: {}", downs.size(), downs.keySet());
        loaded.complete(downs);
        flush();
      } else {
        // Each second while detection waits for it, then every 30 s in the background.
        vertx.setTimer(System.nanoTime() - giveUpAt >= 0 ? 30_000 : 1_000, t -> ask(loaded, giveUpAt));
      }
    });
  }

  /** The data of a node.down told before for this node, or null. */
  JsonObject data(String node) {
    return told.get(node);
  }

  void down(String node, JsonObject data) {
    told.put(node, data);
    unrecorded.put(node, data);
    flush();
  }

  void recovered(String node) {
    told.remove(node);
    unrecorded.put(node, RECOVERED);
    flush();
  }

  /** Writes what is not on the state topic yet, one write per node at a time. */
  void flush() {
    for (Map.Entry<String, JsonObject> e : List.copyOf(unrecorded.entrySet())) {
      String node = e.getKey();
      JsonObject word = e.getValue();
      if (stopped || !writing.add(node)) {
        continue;
      }
      vertx.eventBus().<JsonObject>request(NodesDown.TOLD, new JsonObject().put("node", node)
          .put("data", word == RECOVERED ? null : word), WRITE).onComplete(ar -> {
            writing.remove(node);
            if (ar.succeeded()) {
              unrecorded.remove(node, word); // unless a newer word came meanwhile: that one goes next, now
              if (unrecorded.containsKey(node)) {
                flush();
              }
            } else {
              LOG.debug("node {}: not recorded on the state topic yet: {}", node, ar.cause().getMessage());
            }
          });
    }
  }

  /** Sends what is not written yet, once (the scheduler may still take it as it stops), and asks nothing more. */
  void stop() {
    flush();
    stopped = true;
  }

  /** A node.down's data read back: when it went, its Lease's last renewal, why, and its pods. */
  static DeadNodes.Down readBack(String node, JsonObject data) {
    List<String> pods = data.getJsonArray("pods").stream().filter(p -> p instanceof JsonObject)
        .map(p -> ((JsonObject) p).getString("pod")).toList();
    return new DeadNodes.Down(node, instant(data.getString("notReadySince")), instant(data.getString("leaseRenewedAt")),
        data.getString("reason", ""), pods);
  }

  private static Instant instant(String text) {
    return text == null ? null : Instant.parse(text);
  }
}
