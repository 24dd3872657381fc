package dev.takeover.sim.api;

import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.List;
import java.util.Map;

/**
 * kubectl cordons, uncordons, labels and annotates with {@code application/strategic-merge-patch+json}
 * (kubectl/cordon.log), which the mock refuses (415). A strategic merge patch differs from a JSON merge patch
 * (RFC 7386) only in how it merges lists (by a patchMergeKey) and in its {@code $patch}/{@code $retainKeys}/
 * {@code $setElementOrder} directives; for a patch made only of maps and scalars ({"spec":{"unschedulable":true}},
 * null to delete a key) both give the same result. So such patches are applied as JSON merge patches;
 * anything with a list or a directive still gets 415, rather than a wrong answer.
 * One list is safe too: a node's {@code spec.taints} has no patch strategy, so both kinds of patch replace it.
 */
final class StrategicMergePatch {
  private StrategicMergePatch() {}

  static boolean isEquivalentToMergePatch(String patch, boolean node) {
    Object tree;
    try {
      tree = Serialization.unmarshal(patch, Object.class);
    } catch (RuntimeException e) {
      return false;
    }
    return tree instanceof Map<?, ?> map && mapsAndScalarsOnly(map, node ? "" : null);
  }

  private static boolean mapsAndScalarsOnly(Map<?, ?> map, String nodePath) {
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String key = String.valueOf(entry.getKey());
      String path = nodePath == null ? null : nodePath + "/" + key;
      if (key.startsWith("$")) {
        return false;
      }
      Object value = entry.getValue();
      if (value instanceof List<?> && !"/spec/taints".equals(path)) {
        return false;
      }
      if (value instanceof Map<?, ?> child && !mapsAndScalarsOnly(child, path)) {
        return false;
      }
    }
    return true;
  }
}
