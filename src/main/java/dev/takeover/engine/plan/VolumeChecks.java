package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Can the volumes of the pods to evict follow them to another node. */
final class VolumeChecks {

  private VolumeChecks() {}

  /**
   * Each pod's claims and the volumes they are bound to now, keyed by {@code ns/name}: what the
   * confirm step compares the recreated pod with. A claim missing or not Bound gets no volume and
   * a warning, since nothing can then be compared.
   */
  static Map<String, List<ClaimBinding>> bindings(ClusterView view, List<Pod> evicting, Findings findings) {
    var result = new LinkedHashMap<String, List<ClaimBinding>>();
    for (Pod pod : evicting) {
      String key = PodRef.of(pod).key();
      String namespace = pod.getMetadata().getNamespace();
      var bindings = new ArrayList<ClaimBinding>();
      for (String claimName : PodFacts.claimNames(pod)) {
        var claim = view.claim(namespace, claimName);
        String phase = claim.map(c -> c.getStatus() == null ? null : c.getStatus().getPhase()).orElse(null);
        String volume = claim.map(c -> c.getSpec() == null ? null : c.getSpec().getVolumeName()).orElse(null);
        String claimKey = namespace + "/" + claimName;
        if (claim.isEmpty()) {
          findings.warn("claims not found, their volumes cannot be checked after the move",
              claimKey + " (" + key + ")");
          volume = null;
        } else if (!"Bound".equals(phase) || volume == null || volume.isEmpty()) {
          findings.warn("claims not Bound, their volumes cannot be checked after the move",
              claimKey + " (" + key + ", " + (phase == null ? "no phase" : phase) + ")");
          volume = null;
        }
        bindings.add(new ClaimBinding(claimName, volume));
      }
      result.put(key, List.copyOf(bindings));
    }
    return result;
  }

  /**
   * Refuses (or, with --allow-local-volumes, warns about) pods with a volume whose node affinity
   * matches this node and no other Ready, schedulable one: a local volume. Evicted, such a pod
   * would stay Pending until this node is back (kubernetes/kubernetes#91141,
   * rancher/local-path-provisioner#476). Warns about hostPath volumes, which have no affinity to
   * stop the pod from starting elsewhere on another node's directory.
   *
   * @return the pods pinned to this node, by {@code ns/name}
   */
  static Set<String> pinnedToNode(
      ClusterView view,
      PlanOptions options,
      List<Pod> evicting,
      Map<String, List<ClaimBinding>> claims,
      Findings findings) {
    List<Node> takers = NodeChecks.takers(view);
    Set<String> pinned = new HashSet<>();
    for (Pod pod : evicting) {
      String key = PodRef.of(pod).key();
      for (ClaimBinding binding : claims.getOrDefault(key, List.of())) {
        if (!binding.bound()) {
          continue;
        }
        Optional<PersistentVolume> found = view.volume(binding.volume());
        if (found.isEmpty()) {
          findings.warn("PersistentVolumes not found, their node affinity is not checked",
              binding.volume() + " (" + key + ")");
          continue;
        }
        PersistentVolume volume = found.get();
        String object = key + " (PersistentVolume " + binding.volume() + ")";
        if (NodeConditions.hasVolumeAffinity(volume)) {
          boolean here = NodeConditions.matchesVolumeAffinity(volume, view.node());
          boolean elsewhere = takers.stream().anyMatch(n -> NodeConditions.matchesVolumeAffinity(volume, n));
          if (here && !elsewhere) {
            pinned.add(key);
            if (options.allowLocalVolumes()) {
              findings.warn("evicting pods whose volume only this node reaches: they stay Pending until it is"
                  + " back (allowed by --allow-local-volumes)", object);
            } else {
              findings.refuse("cannot evict pods whose volume only this node reaches: they would stay Pending"
                  + " until it is back", "use --allow-local-volumes", object);
            }
          }
        } else if (volume.getSpec() != null && volume.getSpec().getHostPath() != null) {
          findings.warn("hostPath volumes have no node affinity: on another node the pod mounts that node's"
              + " directory, not the data written here, unless the path is shared storage",
              key + " (PersistentVolume " + binding.volume() + ", hostPath "
                  + volume.getSpec().getHostPath().getPath() + ")");
        }
      }
    }
    return pinned;
  }
}
