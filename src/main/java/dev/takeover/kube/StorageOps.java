package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.vertx.core.Future;

/** PersistentVolumeClaims and PersistentVolumes: read one by name. */
public final class StorageOps {
  private final KubeCalls calls;

  public StorageOps(KubeCalls calls) {
    this.calls = calls;
  }

  /** The claim, or null. */
  public Future<PersistentVolumeClaim> claim(String namespace, String name) {
    return calls.blocking("read persistentvolumeclaim " + namespace + "/" + name,
        () -> calls.client().persistentVolumeClaims().inNamespace(namespace).withName(name).get());
  }

  /** The volume, or null. */
  public Future<PersistentVolume> volume(String name) {
    return calls.blocking("read persistentvolume " + name,
        () -> calls.client().persistentVolumes().withName(name).get());
  }
}
