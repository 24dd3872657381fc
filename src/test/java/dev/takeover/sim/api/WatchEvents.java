package dev.takeover.sim.api;

import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The text of watch events, one websocket message each: {@code {"type":"ADDED","object":{...}}}. */
final class WatchEvents {
  private WatchEvents() {}

  /** The annotation on the BOOKMARK that ends the initial events of a sendInitialEvents watch. */
  static final String INITIAL_EVENTS_END = "k8s.io/initial-events-end";

  /**
   * What kube-apiserver v1.32 with WatchList answers a watch it must serve from "the most recent" version when etcd
   * is older than 3.5.13 (storage feature RequestWatchProgress disabled). Kept as a file: it is the exact text.
   */
  static final String REQUEST_WATCH_PROGRESS_DISABLED = resource("/sim/watch-error-request-watch-progress.json");

  /** The kinds of the resources the simulated cluster serves, for the BOOKMARK objects (which carry no other data). */
  private static final Map<String, String> KINDS = Map.ofEntries(
      Map.entry("pods", "Pod"), Map.entry("nodes", "Node"), Map.entry("namespaces", "Namespace"),
      Map.entry("events", "Event"), Map.entry("persistentvolumes", "PersistentVolume"),
      Map.entry("persistentvolumeclaims", "PersistentVolumeClaim"), Map.entry("services", "Service"),
      Map.entry("endpoints", "Endpoints"), Map.entry("configmaps", "ConfigMap"), Map.entry("secrets", "Secret"),
      Map.entry("serviceaccounts", "ServiceAccount"), Map.entry("leases", "Lease"),
      Map.entry("replicasets", "ReplicaSet"), Map.entry("deployments", "Deployment"),
      Map.entry("statefulsets", "StatefulSet"), Map.entry("daemonsets", "DaemonSet"),
      Map.entry("controllerrevisions", "ControllerRevision"), Map.entry("poddisruptionbudgets", "PodDisruptionBudget"),
      Map.entry("storageclasses", "StorageClass"), Map.entry("priorityclasses", "PriorityClass"));

  static String event(String type, String objectJson) {
    return "{\"type\":\"" + type + "\",\"object\":" + objectJson + "}";
  }

  /** A BOOKMARK: an object of the watched kind with only metadata.resourceVersion (and the annotation, if so). */
  static String bookmark(String plural, String apiVersion, long resourceVersion, boolean initialEventsEnd) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("resourceVersion", String.valueOf(resourceVersion));
    if (initialEventsEnd) {
      metadata.put("annotations", Map.of(INITIAL_EVENTS_END, "true"));
    }
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("kind", kindOf(plural));
    object.put("apiVersion", apiVersion);
    object.put("metadata", metadata);
    return event("BOOKMARK", Serialization.asJson(object));
  }

  /** The ERROR a watch from a compacted version gets (the watch cache's wording: requested version, oldest kept). */
  static String expired(long requested, long oldest) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.put("metadata", Map.of());
    status.put("status", "Failure");
    status.put("message", "too old resource version: " + requested + " (" + oldest + ")");
    status.put("reason", "Expired");
    status.put("code", 410);
    return event("ERROR", Serialization.asJson(status));
  }

  static String kindOf(String plural) {
    String kind = KINDS.get(plural);
    if (kind != null || plural == null || plural.isEmpty()) {
      return kind;
    }
    // a resource the table does not know (a custom one): its plural made singular, as most are named
    String singular = plural.endsWith("ies") ? plural.substring(0, plural.length() - 3) + "y"
        : plural.endsWith("s") ? plural.substring(0, plural.length() - 1) : plural;
    return Character.toUpperCase(singular.charAt(0)) + singular.substring(1);
  }

  private static String resource(String name) {
    try (InputStream in = WatchEvents.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not on the test classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
