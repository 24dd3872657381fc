package dev.takeover.subscribers;

import dev.takeover.ticket.TicketEvent;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonFormat;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.ZoneOffset;
import java.util.function.Supplier;

/**
 * How a {@link TicketEvent} becomes a CloudEvent 1.0 on the events topic, in structured JSON mode. Example, as a
 * consumer reads the record's value (Kafka key {@code t-42}, header {@code content-type:
 * application/cloudevents+json}):
 * <pre>
 * {"specversion":"1.0","id":"8d0f6b1e-…","source":"/takeover/takeover-0","type":"dev.takeover.ticket.step",
 *  "datacontenttype":"application/json","subject":"node-2","time":"2026-12-02T04:17:02Z",
 *  "data":{"step":"drain","ticket":"t-42"}}
 * </pre>
 * A retried send carries the same {@code id}, so a consumer that must see each event once drops repeated ids.
 */
public final class CloudEvents {
  /** The structured mode's media type: the value of the record's {@code content-type} header. */
  public static final String CONTENT_TYPE = JsonFormat.CONTENT_TYPE;
  public static final String TYPE_PREFIX = "dev.takeover.ticket.";

  // Holds a Jackson ObjectMapper, which is safe to share once configured.
  private static final JsonFormat FORMAT = new JsonFormat();

  private CloudEvents() {}

  /** {@code /takeover/<instance>}, the instance name percent-encoded where a URI path needs it. */
  public static URI source(String instance) {
    try {
      return new URI(null, null, "/takeover/" + instance, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("daemon.instance '" + instance + "' cannot be a CloudEvents source: "
          + e.getMessage(), e);
    }
  }

  /**
   * The CloudEvent of a ticket event: a fresh {@code id} from {@code ids}, type {@code dev.takeover.ticket.<type>},
   * subject the node (none when the event names no node), and the event's data with the ticket id put in, so the
   * data stands on its own when a consumer keeps only that.
   */
  public static CloudEvent toCloudEvent(TicketEvent event, URI source, Supplier<String> ids) {
    JsonObject data = event.data() == null ? new JsonObject() : event.data().copy();
    data.put("ticket", event.ticket());
    CloudEventBuilder builder = CloudEventBuilder.v1()
        .withId(ids.get())
        .withSource(source)
        .withType(TYPE_PREFIX + event.type())
        .withTime(event.time().atOffset(ZoneOffset.UTC))
        .withDataContentType("application/json")
        .withData(data.toBuffer().getBytes());
    if (event.node() != null && !event.node().isEmpty()) {
      builder.withSubject(event.node());
    }
    return builder.build();
  }

  /**
   * The prefix of node events' types: {@code dev.takeover.node.down}, {@code dev.takeover.node.recovered},
   * {@code dev.takeover.node.taint-removed}, and the cluster-wide {@code dev.takeover.nodes.partitioned},
   * {@code dev.takeover.nodes.partition-over}.
   */
  public static final String NODE_TYPE_PREFIX = "dev.takeover.";
  /**
   * The Kafka key of the events about all nodes ({@code nodes.*}): one key keeps an episode's start and end on one
   * partition, in order. A slash is never in a node name (an RFC 1123 subdomain), so it cannot share a node's key.
   */
  public static final String ALL_NODES_KEY = "cluster/nodes";

  /**
   * The CloudEvent of a node event of {@code takeover.node.events} ({@code {type: "node.down", node, time, data}}):
   * type {@code dev.takeover.node.down}, subject the node, the event's data with the node put in. An event about all
   * nodes ({@code nodes.partitioned}) has no subject and its data as it is: it is about no single node, and a
   * consumer that follows a node by its subject must not take it for that node's.
   */
  public static CloudEvent nodeEvent(JsonObject event, URI source, Supplier<String> ids) {
    String node = event.getString("node");
    String type = event.getString("type");
    boolean allNodes = type != null && type.startsWith("nodes.");
    if (type == null || !allNodes && (node == null || node.isEmpty() || !type.startsWith("node."))) {
      throw new IllegalArgumentException("it names no node or is not a node event");
    }
    JsonObject data = event.getJsonObject("data", new JsonObject()).copy();
    if (!allNodes) {
      data.put("node", node);
    }
    CloudEventBuilder builder = CloudEventBuilder.v1()
        .withId(ids.get())
        .withSource(source)
        .withType(NODE_TYPE_PREFIX + type)
        .withTime(java.time.Instant.parse(event.getString("time")).atOffset(ZoneOffset.UTC))
        .withDataContentType("application/json")
        .withData(data.toBuffer().getBytes());
    if (!allNodes) {
      builder.withSubject(node);
    }
    return builder.build();
  }

  /** The Kafka key of a node event: the node, or {@value #ALL_NODES_KEY} for an event about all nodes. */
  public static String nodeEventKey(JsonObject event) {
    String type = event.getString("type", "");
    return type.startsWith("nodes.") ? ALL_NODES_KEY : event.getString("node");
  }

  /** The record value: the whole event as one JSON document, {@code data} embedded as JSON. */
  public static byte[] structured(CloudEvent event) {
    return FORMAT.serialize(event);
  }
}
