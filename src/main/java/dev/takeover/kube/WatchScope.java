package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * What one list-watch covers: a kind, a namespace (or all), and server-side selectors. Always narrow: the node's
 * pods, one object by name, or one owner's pods; never a whole kind across the cluster, but for the nodes.
 *
 * @param what          how the operator reads it: "pods on kube-node02", "pod default/mysql-0"
 * @param namespace     null for all namespaces
 * @param fieldSelector e.g. {@code spec.nodeName=kube-node02}, {@code metadata.name=mysql-0}; null for none
 * @param labelSelector e.g. {@code app=web,pod-template-hash=5d4f}; null for none
 */
public record WatchScope<T extends HasMetadata>(String what, Class<T> type, String namespace, String fieldSelector,
                                                String labelSelector) {

  /** Every node of the cluster: the daemon's cluster view (nodes are few, and each is one small object). */
  public static WatchScope<io.fabric8.kubernetes.api.model.Node> nodes() {
    return new WatchScope<>("nodes", io.fabric8.kubernetes.api.model.Node.class, null, null, null);
  }

  public static WatchScope<Pod> podsOnNode(String node) {
    return new WatchScope<>("pods on " + node, Pod.class, null, "spec.nodeName=" + node, null);
  }

  public static WatchScope<Pod> pod(String namespace, String name) {
    return new WatchScope<>("pod " + namespace + "/" + name, Pod.class, namespace, "metadata.name=" + name, null);
  }

  public static WatchScope<PersistentVolumeClaim> claim(String namespace, String name) {
    return new WatchScope<>("persistentvolumeclaim " + namespace + "/" + name, PersistentVolumeClaim.class, namespace,
        "metadata.name=" + name, null);
  }

  public static WatchScope<ReplicaSet> replicaSet(String namespace, String name) {
    return new WatchScope<>("replicaset " + namespace + "/" + name, ReplicaSet.class, namespace,
        "metadata.name=" + name, null);
  }

  public static WatchScope<StatefulSet> statefulSet(String namespace, String name) {
    return new WatchScope<>("statefulset " + namespace + "/" + name, StatefulSet.class, namespace,
        "metadata.name=" + name, null);
  }

  /** The pods an owner's label selector picks, in its namespace. */
  public static WatchScope<Pod> podsOf(String owner, String namespace, String labelSelector) {
    return new WatchScope<>("pods of " + owner, Pod.class, namespace, null, labelSelector);
  }

  /** The collection's path, e.g. /api/v1/namespaces/default/pods or /apis/apps/v1/namespaces/default/replicasets. */
  public String collectionPath() {
    String group = HasMetadata.getGroup(type);
    String version = HasMetadata.getVersion(type);
    String base = group == null || group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    return base + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + HasMetadata.getPlural(type);
  }

  /** The path of a watch from {@code resourceVersion}, with bookmarks, ended by the server after {@code timeoutSeconds}. */
  public String watchPath(String resourceVersion, long timeoutSeconds) {
    return collectionPath() + "?watch=true&resourceVersion=" + encode(resourceVersion) + "&allowWatchBookmarks=true"
        + "&timeoutSeconds=" + timeoutSeconds + (selectorQuery().isEmpty() ? "" : "&" + selectorQuery());
  }

  /** The selectors as query parameters ({@code fieldSelector=…&labelSelector=…}), possibly empty. */
  public String selectorQuery() {
    StringBuilder q = new StringBuilder();
    if (fieldSelector != null) {
      q.append("fieldSelector=").append(encode(fieldSelector));
    }
    if (labelSelector != null) {
      q.append(q.length() > 0 ? "&" : "").append("labelSelector=").append(encode(labelSelector));
    }
    return q.toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
