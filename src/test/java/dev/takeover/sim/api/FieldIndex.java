package dev.takeover.sim.api;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields a v1.32 API server lets a {@code fieldSelector} filter on, per kind, and their values for one object.
 * A field the object does not set has the value "" (as on a real server, where {@code spec.nodeName=} selects
 * unbound pods). {@code metadata.name} and {@code metadata.namespace} are indexed by the mock itself.
 */
public final class FieldIndex {
  private FieldIndex() {}

  private static final Map<String, List<String>> POD_FIELDS = new LinkedHashMap<>();
  private static final Map<String, List<String>> EVENT_FIELDS = new LinkedHashMap<>();
  private static final Map<String, List<String>> NODE_FIELDS = new LinkedHashMap<>();

  static {
    POD_FIELDS.put("spec.nodeName", List.of("spec", "nodeName"));
    POD_FIELDS.put("spec.restartPolicy", List.of("spec", "restartPolicy"));
    POD_FIELDS.put("spec.schedulerName", List.of("spec", "schedulerName"));
    POD_FIELDS.put("spec.serviceAccountName", List.of("spec", "serviceAccountName"));
    POD_FIELDS.put("spec.hostNetwork", List.of("spec", "hostNetwork"));
    POD_FIELDS.put("status.phase", List.of("status", "phase"));
    POD_FIELDS.put("status.podIP", List.of("status", "podIP"));
    POD_FIELDS.put("status.nominatedNodeName", List.of("status", "nominatedNodeName"));
    for (String f : List.of("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")) {
      EVENT_FIELDS.put("involvedObject." + f, List.of("involvedObject", f));
    }
    EVENT_FIELDS.put("reason", List.of("reason"));
    EVENT_FIELDS.put("type", List.of("type"));
    EVENT_FIELDS.put("source", List.of("source", "component"));
    EVENT_FIELDS.put("reportingComponent", List.of("reportingComponent"));
    NODE_FIELDS.put("spec.unschedulable", List.of("spec", "unschedulable"));
  }

  /** Field selectors a real server accepts for pods, beyond metadata.name and metadata.namespace. */
  public static Set<String> podFields() {
    return POD_FIELDS.keySet();
  }

  /** The field attributes of one stored object: field path to value ("" when unset). */
  public static Map<String, String> fieldsOf(HasMetadata resource) {
    Map<String, List<String>> fields = fieldsFor(resource.getApiVersion(), resource.getKind());
    if (fields.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> tree = asTree(resource);
    Map<String, String> values = new LinkedHashMap<>();
    fields.forEach((field, path) -> values.put(field, valueAt(tree, path, field)));
    return values;
  }

  private static Map<String, List<String>> fieldsFor(String apiVersion, String kind) {
    if (!"v1".equals(apiVersion) || kind == null) {
      return Map.of();
    }
    switch (kind) {
      case "Pod": return POD_FIELDS;
      case "Event": return EVENT_FIELDS;
      case "Node": return NODE_FIELDS;
      default: return Map.of();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asTree(HasMetadata resource) {
    // The mock stores JSON and hands GenericKubernetesResource to the extractor; typed objects may come too.
    if (resource instanceof GenericKubernetesResource generic) {
      return generic.getAdditionalProperties();
    }
    return Serialization.unmarshal(Serialization.asJson(resource), Map.class);
  }

  @SuppressWarnings("unchecked")
  private static String valueAt(Map<String, Object> tree, List<String> path, String field) {
    Object node = tree;
    for (String step : path) {
      if (!(node instanceof Map)) {
        node = null;
        break;
      }
      node = ((Map<String, Object>) node).get(step);
    }
    if (node == null) {
      // booleans a real server reports as "false" when unset
      return field.equals("spec.unschedulable") || field.equals("spec.hostNetwork") ? "false" : "";
    }
    return String.valueOf(node);
  }
}
