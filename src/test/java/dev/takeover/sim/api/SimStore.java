package dev.takeover.sim.api;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
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
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The object store of the simulated API server: fabric8's CRUD mock, with field selectors indexed, plus the
 * read-modify-write operations the API server's own logic needs (graceful deletion, eviction, binding).
 * Those run under the mock's own lock, so they are atomic with respect to every other request, as a
 * GuaranteedUpdate against etcd is. Every change is also appended to the {@link WatchLog} that watches are served
 * from.
 */
public final class SimStore extends KubernetesCrudDispatcher {
  private final Lock readLock;
  private final Lock writeLock;
  /** The mock's resourceVersion counter (private there; read once, like the lock). */
  private final AtomicLong versions;
  private final WatchLog watchLog;

  public SimStore() {
    this(WatchLog.DEFAULT_HISTORY);
  }

  /** {@code watchHistory}: how many changes the watch log keeps (see {@link WatchLog}). */
  public SimStore(int watchHistory) {
    super();
    ReadWriteLock lock = installFieldIndexingExtractor();
    this.readLock = lock.readLock();
    this.writeLock = lock.writeLock();
    this.versions = (AtomicLong) read(KubernetesCrudDispatcher.class, "resourceVersion", this);
    this.watchLog = new WatchLog(watchHistory);
  }

  /**
   * Every change of the store goes through here (the mock's create, update, patch and delete handlers, ours too),
   * under the write lock: the change is stored by the mock, then appended to the {@link WatchLog}, which hands it to
   * the open watches. The mock's own watch listeners are never registered (see {@link Watches}).
   */
  @Override
  public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
                           GenericKubernetesResource resource, String newState) {
    String oldState = oldAttributes == null ? null : map.get(oldAttributes);
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    if (Objects.equals(oldState, newState)) {
      return;
    }
    if (newState == null) {
      // as on a real server, a deletion is a change of its own: DELETED carries a new resourceVersion
      watchLog.append(requestResourceVersion(), oldState, oldAttributes, null, null);
      return;
    }
    // Every change takes a new version from the counter just before it is stored (the mock's handlers and ours
    // alike), so the counter is the new state's version; when it has not moved since the last change, this is an
    // update that changed nothing (the mock then keeps the version), and a real server sends no event for it.
    long version = versions.get();
    if (version <= watchLog.lastVersion()) {
      return;
    }
    watchLog.append(version, oldState, oldAttributes, newState, storedAttributes(newState, pathAttributes, resource));
  }

  /**
   * The attributes the mock has just filed {@code newState} under: its map's last entry (a LinkedHashMap, and the
   * mock removes the old key before putting the new one), else computed as the mock does. Under the write lock.
   */
  private AttributeSet storedAttributes(String newState, AttributeSet pathAttributes, HasMetadata resource) {
    Map.Entry<AttributeSet, String> last = null;
    synchronized (map) {
      for (Map.Entry<AttributeSet, String> entry : map.entrySet()) {
        last = entry;
      }
    }
    if (last != null && last.getValue() == newState) {
      return last.getKey();
    }
    HasMetadata stored = resource != null ? resource : Serialization.unmarshal(newState, GenericKubernetesResource.class);
    AttributeSet attributes = extractor().extract(stored);
    return attributes.containsKey(KubernetesAttributesExtractor.PLURAL)
        ? attributes : AttributeSet.merge(pathAttributes, attributes);
  }

  WatchLog watchLog() {
    return watchLog;
  }

  /** Forgets the watch history up to now: a watch from any older version is answered 410 Expired. */
  public void compactWatchHistory() {
    atomically(() -> {
      watchLog.compact(currentResourceVersion());
      return null;
    });
  }

  /** The newest resourceVersion handed out: what a list answers as its metadata.resourceVersion. */
  long currentResourceVersion() {
    return versions.get();
  }

  /** Runs {@code work} under the store's read lock: no change happens meanwhile, other readers may run. */
  <R> R whileNoChange(Supplier<R> work) {
    readLock.lock();
    try {
      return work.get();
    } finally {
      readLock.unlock();
    }
  }

  /** The stored objects (JSON) whose attributes match {@code query}, as the mock's list selects them. Under a lock. */
  List<String> matching(AttributeSet query) {
    List<String> items = new ArrayList<>();
    for (Map.Entry<AttributeSet, String> entry : new ArrayList<>(map.entrySet())) {
      if (entry.getKey().matches(query)) {
        items.add(entry.getValue());
      }
    }
    return items;
  }

  KubernetesAttributesExtractor extractor() {
    return (KubernetesAttributesExtractor) attributeExtractor;
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
   * and reads the lock (and, in the constructor, the resourceVersion counter). Checked against fabric8
   * kubernetes-server-mock 8.0.0.
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
