package dev.takeover.bench;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a recovery looks like from outside: a watch of its own on the dead node and on mysql-0 (each moment stamped
 * when the watch saw it), and the daemon's CloudEvents on the events topic (stamped with the event's own time: the
 * engine's for step events, else the CloudEvent's). Every moment is kept the first time it is seen.
 */
final class RecoveryTimeline implements AutoCloseable {
  private final String node;
  private final String target;
  private final String oldUid;
  private final Map<String, Instant> marks = new ConcurrentHashMap<>();
  private final Map<String, Long> tookMs = new ConcurrentHashMap<>();
  private final Watch nodeWatch;
  private final Watch podWatch;
  private final Watch attachmentWatch;
  private final KafkaConsumer<String, byte[]> events;
  private volatile String ticket;
  private volatile String outcome;

  /**
   * @param node   the node that will be stopped
   * @param target where mysql-0 must come back Ready
   * @param oldUid mysql-0's uid before the stop
   */
  RecoveryTimeline(KubernetesClient client, String bootstrap, String eventsTopic, String node, String target,
                   String oldUid) {
    this.node = node;
    this.target = target;
    this.oldUid = oldUid;
    nodeWatch = client.nodes().withName(node).watch(watcher(this::onNode));
    podWatch = client.pods().inNamespace("default").withName("mysql-0").watch(watcher(this::onPod));
    // Only a CSI volume has VolumeAttachments (volume=csi); the seed's hostPath pv1 has none.
    attachmentWatch = client.storage().v1().volumeAttachments().watch(watcher(this::onAttachment));
    events = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", eventsTopic + "-timeline",
        "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer());
    events.subscribe(List.of(eventsTopic));
  }

  void mark(String what, Instant at) {
    marks.putIfAbsent(what, at);
  }

  Instant at(String what) {
    return marks.get(what);
  }

  Long tookMs(String step) {
    return tookMs.get(step);
  }

  String ticket() {
    return ticket;
  }

  /** The recover ticket's end: completed, or failed with its reason; null while it runs. */
  String outcome() {
    return outcome;
  }

  /** Reads the events topic until mysql-0 is Ready on the target and the ticket has ended; false past the bound. */
  boolean awaitRecovered(Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(100))) {
        onEvent(new JsonObject(new String(r.value(), StandardCharsets.UTF_8)));
      }
      if (outcome != null && (at("new Ready") != null || !outcome.equals("completed"))) {
        return outcome.equals("completed");
      }
    }
    return false;
  }

  private void onEvent(JsonObject e) {
    String type = e.getString("type", "");
    JsonObject data = e.getJsonObject("data", new JsonObject());
    Instant time = Instant.parse(data.getString("time", e.getString("time")));
    if (type.equals("dev.takeover.node.down") && node.equals(data.getString("node"))) {
      mark("node.down", time);
      if (data.getString("notReadySince") != null) {
        mark("node.down notReadySince", Instant.parse(data.getString("notReadySince")));
      }
      return;
    }
    String id = data.getString("ticket", "");
    if (!type.startsWith("dev.takeover.ticket.") || !id.startsWith("recover-" + node + "-")) {
      return;
    }
    ticket = id;
    String what = type.substring("dev.takeover.ticket.".length());
    switch (what) {
      case "step" -> {
        String engine = data.getString("type", "");
        String step = data.getString("step", "");
        if (engine.equals("takeover.step.started")) {
          mark(step + " started", time);
        } else if (engine.equals("takeover.step.finished")) {
          mark(step + " finished", time);
          tookMs.putIfAbsent(step, data.getLong("tookMs", -1L));
        }
      }
      case "completed" -> {
        mark("ticket completed", time);
        outcome = "completed";
      }
      case "failed", "cancelled", "expired", "rejected" -> outcome = what + ": " + data.getString("reason", "");
      default -> mark("ticket " + what, time);
    }
  }

  private void onNode(Watcher.Action action, Node n) {
    Instant now = Instant.now();
    boolean ready = n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus().getConditions()
        .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    if (!ready) {
      mark("node NotReady", now);
    }
    if (n.getSpec().getTaints() != null) {
      n.getSpec().getTaints().forEach(t -> mark("taint " + t.getKey() + ":" + t.getEffect(), now));
    }
  }

  private void onPod(Watcher.Action action, Pod p) {
    Instant now = Instant.now();
    boolean old = oldUid.equals(p.getMetadata().getUid());
    if (old) {
      if (p.getMetadata().getDeletionTimestamp() != null) {
        mark("old Terminating", now);
      }
      if (action == Watcher.Action.DELETED) {
        mark("old deleted", now);
      }
      return;
    }
    if (action == Watcher.Action.DELETED) {
      return;
    }
    mark("new created", now);
    if (target.equals(p.getSpec().getNodeName())) {
      mark("new scheduled", now);
      boolean ready = p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions()
          .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
      if (ready) {
        mark("new Ready", now);
      }
    }
  }

  private void onAttachment(Watcher.Action action, VolumeAttachment a) {
    Instant now = Instant.now();
    String on = a.getSpec().getNodeName();
    if (action == Watcher.Action.DELETED && node.equals(on)) {
      mark("volume detached from " + node, now);
    } else if (action != Watcher.Action.DELETED && target.equals(on) && a.getStatus() != null
        && Boolean.TRUE.equals(a.getStatus().getAttached())) {
      mark("volume attached to " + target, now);
    }
  }

  private static <T> Watcher<T> watcher(java.util.function.BiConsumer<Watcher.Action, T> on) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        on.accept(action, resource);
      }

      @Override
      public void onClose(WatcherException cause) {
        System.out.println("  (a watch of the benchmark closed: " + cause.getMessage() + ")");
      }
    };
  }

  @Override
  public void close() {
    nodeWatch.close();
    podWatch.close();
    attachmentWatch.close();
    events.close();
  }
}
