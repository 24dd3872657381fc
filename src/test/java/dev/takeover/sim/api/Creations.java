package dev.takeover.sim.api;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Creating an object, as the mock's PostHandler does, but with what a real server gives it: a random UID (the mock
 * numbers them 00000000-0000-0000-0000-0000000000NN) and the real server's 409 and 400 answers. Bodies the mock
 * must judge (no kind, no apiVersion, no name) and custom resources with a status subresource are left to the mock.
 */
final class Creations {
  private final SimStore store;

  Creations(SimStore store) {
    this.store = store;
  }

  /** Null when the mock should handle the request. */
  MockResponse create(String path, String body, String resourcePlural) {
    GenericKubernetesResource object;
    try {
      object = Serialization.unmarshal(body, GenericKubernetesResource.class);
    } catch (RuntimeException e) {
      return null;
    }
    if (object == null || object.getKind() == null || object.getApiVersion() == null || object.getMetadata() == null
        || object.getMetadata().getName() == null || object.getMetadata().getName().isEmpty()
        || store.isStatusSubresourceEnabledForResource(path)) {
      return null;
    }
    String name = object.getMetadata().getName();
    Map<String, String> fromPath = store.fromKubernetesPath(path);
    String namespace = fromPath.get(KubernetesAttributesExtractor.NAMESPACE);
    String given = object.getMetadata().getNamespace();
    if (given != null && !given.isEmpty() && !given.equals(namespace)) {
      return Statuses.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    return store.atomically(() -> {
      AttributeSet key = store.getKey(path).add(new Attribute(KubernetesAttributesExtractor.NAME, name));
      if (store.findResource(key) != null) {
        return Statuses.failure(409, "AlreadyExists", resourcePlural + " \"" + name + "\" already exists",
            Map.of("name", name, "kind", resourcePlural));
      }
      object.getMetadata().setNamespace(namespace);
      object.getMetadata().setUid(UUID.randomUUID().toString());
      object.getMetadata().setCreationTimestamp(dev.takeover.sim.model.Times.format(Instant.now()));
      object.getMetadata().setResourceVersion(String.valueOf(store.requestResourceVersion()));
      object.getMetadata().setGeneration(1L);
      object.getMetadata().setDeletionTimestamp(null);
      String json = Serialization.asJson(object);
      store.processEvent(path, key, null, object, json);
      return Statuses.json(201, json);
    });
  }
}
