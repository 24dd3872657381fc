package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.vertx.core.Future;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Kubernetes Events about a Node, so that {@code kubectl describe node} tells the story. Like the kubelet and
 * the node controller, they go to the "default" namespace with the Node as involved object (core/v1, which is
 * what describe reads).
 */
public final class EventOps {
  public static final String COMPONENT = "takeover";

  private final KubeCalls calls;
  private final String instance;

  public EventOps(KubeCalls calls, String instance) {
    this.calls = calls;
    this.instance = instance;
  }

  /** Records one event; {@code warning} makes it type Warning. */
  public Future<Event> onNode(Node node, String reason, String message, boolean warning) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String name = node.getMetadata().getName() + "." + Long.toHexString(System.nanoTime())
        + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000));
    Event event = new EventBuilder()
        .withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewInvolvedObject().withKind("Node").withApiVersion("v1").withName(node.getMetadata().getName())
        .withUid(node.getMetadata().getUid()).endInvolvedObject()
        .withReason(reason).withMessage(truncate(message)).withType(warning ? "Warning" : "Normal")
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT).withReportingInstance(instance)
        .withFirstTimestamp(now.toString()).withLastTimestamp(now.toString()).withCount(1)
        .build();
    return calls.blocking("record event " + reason.toLowerCase(Locale.ROOT) + " on node " + node.getMetadata().getName(),
        () -> calls.client().v1().events().inNamespace("default").resource(event).create());
  }

  // The API server rejects event messages over 1 kB.
  private static String truncate(String s) {
    return s.length() <= 1000 ? s : s.substring(0, 997) + "...";
  }
}
