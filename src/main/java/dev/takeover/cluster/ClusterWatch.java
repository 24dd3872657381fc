package dev.takeover.cluster;

import dev.takeover.kube.KubeCalls;
import dev.takeover.kube.ListWatch;
import dev.takeover.kube.WatchHealth;
import dev.takeover.kube.WatchScope;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Watcher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The daemon's view of the nodes: a list-watch of every node (watched, and listed again every re-list period
 * whatever the watch says), answering on the event bus so the intake and the scheduler never call the API
 * server themselves.
 *
 * <ul>
 *   <li>{@value #NODE}: body a node name; replies {@link NodeFacts} as JSON, or {@code null} for a node the
 *       cluster does not have; fails (code 503) until the first list has answered.</li>
 *   <li>{@value #SUMMARY}: replies {@code {"synced": bool, "cordoned": [names], "cordonedByTakeover": [names],
 *       "notReady": [names]}}.</li>
 *   <li>{@value #CORDONED}: published, {@code [names]}, each time the set of nodes Takeover holds cordoned changes
 *       in the view. A subscriber that follows it never asks at the wrong moment: a cordon shorter than any polling
 *       period still shows.</li>
 * </ul>
 * When the API server cannot be reached, the last view is kept (and said to be stale in the summary): runs and
 * tickets keep their place rather than being refused for nodes that were there a moment ago.
 */
public final class ClusterWatch extends VerticleBase {
  public static final String NODE = "takeover.cluster.node";
  public static final String SUMMARY = "takeover.cluster.summary";
  public static final String CORDONED = "takeover.cluster.cordoned";
  private static final Logger LOG = LoggerFactory.getLogger(ClusterWatch.class);

  private final KubeCalls calls;
  private final Duration relistPeriod;
  private final Map<String, NodeFacts> nodes = new TreeMap<>();
  private boolean synced;
  /** What {@value #CORDONED} last said; null before the first list. */
  private Set<String> published;
  private ListWatch<Node> watch;

  public ClusterWatch(KubeCalls calls, Duration relistPeriod) {
    this.calls = calls;
    this.relistPeriod = relistPeriod;
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<String>consumer(NODE, this::node);
    vertx.eventBus().<Object>consumer(SUMMARY, this::summary);
    WatchHealth health = WatchHealth.logged(LOG);
    // Completes after the first list was tried; the view is synced only once a list answered.
    return ListWatch.start(context, calls, WatchScope.nodes(), relistPeriod, health, new ListWatch.Listener<>() {
      @Override
      public void listed(List<Node> items) {
        nodes.clear();
        for (Node n : items) {
          nodes.put(n.getMetadata().getName(), NodeFacts.of(n));
        }
        if (!synced) {
          LOG.info("cluster view synced: {} nodes", nodes.size());
        }
        synced = true;
        publishCordoned();
      }

      @Override
      public void changed(Watcher.Action action, Node node) {
        if (action == Watcher.Action.DELETED) {
          nodes.remove(node.getMetadata().getName());
        } else if (action != Watcher.Action.ERROR && action != Watcher.Action.BOOKMARK) {
          nodes.put(node.getMetadata().getName(), NodeFacts.of(node));
        }
        if (synced) {
          publishCordoned();
        }
      }
    }).onSuccess(w -> watch = w);
  }

  @Override
  public Future<?> stop() {
    if (watch != null) {
      watch.close();
    }
    return Future.succeededFuture();
  }

  private void node(Message<String> msg) {
    if (!synced) {
      msg.fail(503, "the cluster's nodes have not been listed yet");
      return;
    }
    NodeFacts facts = nodes.get(msg.body());
    msg.reply(facts == null ? null : facts.toJson());
  }

  private Set<String> cordonedByTakeover() {
    Set<String> names = new TreeSet<>();
    for (NodeFacts f : nodes.values()) {
      if (f.cordoned() && f.cordonedByTakeover()) {
        names.add(f.name());
      }
    }
    return names;
  }

  private void publishCordoned() {
    Set<String> now = cordonedByTakeover();
    if (!now.equals(published)) {
      published = now;
      vertx.eventBus().publish(CORDONED, new JsonArray(List.copyOf(now)));
    }
  }

  private void summary(Message<Object> msg) {
    JsonArray cordoned = new JsonArray();
    JsonArray notReady = new JsonArray();
    for (NodeFacts f : nodes.values()) {
      if (f.cordoned()) {
        cordoned.add(f.name());
      }
      if (!f.ready()) {
        notReady.add(f.name());
      }
    }
    msg.reply(new JsonObject().put("synced", synced).put("nodes", nodes.size()).put("cordoned", cordoned)
        .put("cordonedByTakeover", new JsonArray(List.copyOf(cordonedByTakeover()))).put("notReady", notReady));
  }
}
