package dev.takeover.engine.plan;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Objects;

/**
 * The exact pod object: a recreated pod with the same name has another uid.
 *
 * <p>The uid is what the drain puts in the eviction's precondition, so that it never evicts the
 * new mysql-0 the StatefulSet made while the old one was still being waited for.
 */
public record PodRef(String namespace, String name, String uid) {

  public PodRef {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  public static PodRef of(Pod p) {
    var meta = p.getMetadata();
    return new PodRef(meta.getNamespace(), meta.getName(), meta.getUid());
  }

  /** {@code namespace/name}, as kubectl prints it. */
  public String key() {
    return namespace + "/" + name;
  }

  @Override
  public String toString() {
    return key();
  }
}
