package dev.takeover.sim.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.server.mock.CustomResourceDefinitionProcessor;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.PostHandler;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.CrudDispatcher;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The object store of the simulated API server: fabric8's CRUD mock, with field selectors indexed, plus the
 * read-modify-write operations the API server's own logic needs (graceful deletion, eviction, binding).
 * Those run under the mock's own lock, so they are atomic with respect to every other request, as a
 * GuaranteedUpdate against etcd is.
 */
public final class SimStore extends KubernetesCrudDispatcher {
  private final Lock readLock;
  private final Lock writeLock;

  public SimStore() {
    super();
    ReadWriteLock lock = installFieldIndexingExtractor();
    this.readLock = lock.readLock();
    this.writeLock = lock.writeLock();
  }

  /**
   * JSON merge patch as RFC 7386 says and the API server does: a null removes the member (the mock's own merge
   * stores the null, so an annotation "removed" with null stayed, with a null value).
   */
  @Override
  public tools.jackson.databind.JsonNode merge(tools.jackson.databind.JsonNode base, String patch)
      throws io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException {
    tools.jackson.databind.JsonNode changes;
    try {
      changes = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().readTree(patch);
    } catch (RuntimeException e) {
      throw new io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException(e.getMessage(), 422);
    }
    return mergeInto(base.deepCopy(), changes);
  }

  private static tools.jackson.databind.JsonNode mergeInto(tools.jackson.databind.JsonNode target,
                                                         tools.jackson.databind.JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    tools.jackson.databind.node.ObjectNode result = target != null && target.isObject()
        ? (tools.jackson.databind.node.ObjectNode) target
        : tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    for (var entry : patch.properties()) {
      if (entry.getValue().isNull()) {
        result.remove(entry.getKey());
      } else {
        result.set(entry.getKey(), mergeInto(result.get(entry.getKey()), entry.getValue()));
      }
    }
    return result;
  }

  /**
   * The CRUD mock creates its attribute extractor in its constructor and keeps it in three private final fields
   * (the dispatcher's two, and its PostHandler's); it has no way to pass another one in, and its lock, which our
   * read-modify-write operations must share, is private too. Reflection, here and nowhere else, swaps in
   * {@link FieldIndexingAttributesExtractor} (which must also know the mock's CRD processor, as the stock one does)
   * and reads the lock. Checked against fabric8 kubernetes-server-mock 8.0.0.
   */
  private ReadWriteLock installFieldIndexingExtractor() {
    FieldIndexingAttributesExtractor extractor = new FieldIndexingAttributesExtractor();
    extractor.setCustomResourceDefinitionProcessor(
        (CustomResourceDefinitionProcessor) read(KubernetesCrudDispatcher.class, "crdProcessor", this));
    write(CrudDispatcher.class, "attributeExtractor", this, extractor);
    write(KubernetesCrudDispatcher.class, "kubernetesAttributesExtractor", this, extractor);
    write(PostHandler.class, "attributeExtractor", read(KubernetesCrudDispatcher.class, "postHandler", this), extractor);
    return (ReadWriteLock) read(KubernetesCrudDispatcher.class, "lock", this);
  }

  private static Object read(Class<?> owner, String name, Object target) {
    try {
      Field field = owner.getDeclaredField(name);
      field.setAccessible(true);
      return field.get(target);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("fabric8 mock changed: no field " + owner.getSimpleName() + "." + name, e);
    }
  }

  private static void write(Class<?> owner, String name, Object target, KubernetesAttributesExtractor value) {
    try {
      Field field = owner.getDeclaredField(name);
      field.setAccessible(true);
      field.set(target, value);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("fabric8 mock changed: no field " + owner.getSimpleName() + "." + name, e);
    }
  }

  /** Runs {@code work} while holding the store's write lock: no other request sees or changes anything meanwhile. */
  public <R> R atomically(Supplier<R> work) {
    writeLock.lock();
    try {
      return work.get();
    } finally {
      writeLock.unlock();
    }
  }

  /** Namespace, plural, name... as the mock reads them from a path. */
  public Map<String, String> fromKubernetesPath(String path) {
    return ((KubernetesAttributesExtractor) attributeExtractor).fromKubernetesPath(path);
  }

  /** The stored object at an object path (e.g. /api/v1/namespaces/default/pods/mysql-0), or null. */
  public <T> T get(String path, Class<T> type) {
    readLock.lock();
    try {
      Map.Entry<AttributeSet, String> entry = findResource(getKey(path));
      return entry == null ? null : Serialization.unmarshal(entry.getValue(), type);
    } finally {
      readLock.unlock();
    }
  }

  /** The stored objects under a collection path (e.g. /apis/policy/v1/namespaces/default/poddisruptionbudgets). */
  public <T> List<T> list(String collectionPath, Class<T> type) {
    readLock.lock();
    try {
      AttributeSet query = attributeExtractor.fromPath(collectionPath);
      List<T> items = new ArrayList<>();
      for (Map.Entry<AttributeSet, String> entry : new ArrayList<>(map.entrySet())) {
        if (entry.getKey().matches(query)) {
          items.add(Serialization.unmarshal(entry.getValue(), type));
        }
      }
      return items;
    } finally {
      readLock.unlock();
    }
  }

  /**
   * Replaces the object at {@code path} by {@code change(current)} with a new resourceVersion, and sends MODIFIED
   * to the watches. {@code change} may return null (nothing to do) or throw {@link ApiError}.
   * Returns the stored object, or null when there is none.
   */
  public <T extends HasMetadata> T update(String path, Class<T> type, UnaryOperator<T> change) {
    return atomically(() -> {
      AttributeSet key = getKey(path);
      Map.Entry<AttributeSet, String> entry = findResource(key);
      if (entry == null) {
        return null;
      }
      T current = Serialization.unmarshal(entry.getValue(), type);
      T changed = change.apply(Serialization.clone(current));
      if (changed == null) {
        return current;
      }
      changed.getMetadata().setResourceVersion(String.valueOf(requestResourceVersion()));
      processEvent(path, key, entry.getKey(), null, Serialization.asJson(changed));
      return changed;
    });
  }

  /** Removes the object at {@code path} for good (DELETED to the watches). Returns false when there was none. */
  public boolean remove(String path) {
    return atomically(() -> {
      AttributeSet key = getKey(path);
      Map.Entry<AttributeSet, String> entry = findResource(key);
      if (entry == null) {
        return false;
      }
      processEvent(path, key, entry.getKey(), null, null);
      return true;
    });
  }
}
