package dev.takeover.sim.api;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.AttributeSet;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The recent changes of the store, in resourceVersion order, as the API server's watch cache keeps them: a watch from
 * resourceVersion N is served every change after N, then the live ones. Bounded: the oldest changes are dropped
 * (compaction), after which a watch from a version older than what is kept is answered 410 Expired.
 *
 * <p>Appends run under the store's write lock; replays and subscriptions under (at least) its read lock, so that a
 * replay followed by a subscription sees every change exactly once.
 */
final class WatchLog {
  static final int DEFAULT_HISTORY = 10_000;

  /** One change: no old state for a creation, no new state for a deletion. */
  static final class Change {
    final long version;
    final String oldJson;
    final AttributeSet oldAttributes;
    final String newJson;
    final AttributeSet newAttributes;
    private volatile String oldAtThisVersion;

    Change(long version, String oldJson, AttributeSet oldAttributes, String newJson, AttributeSet newAttributes) {
      this.version = version;
      this.oldJson = oldJson;
      this.oldAttributes = oldAttributes;
      this.newJson = newJson;
      this.newAttributes = newAttributes;
    }

    /**
     * The event a watch with this selection sees, as the watch cache converts a change for one watcher: by whether
     * the old and the new state match. Null when neither does.
     */
    String eventFor(AttributeSet query) {
      boolean matched = oldAttributes != null && oldAttributes.matches(query);
      boolean matches = newJson != null && newAttributes.matches(query);
      if (matched && matches) {
        return WatchEvents.event("MODIFIED", newJson);
      }
      if (matched) {
        return WatchEvents.event("DELETED", oldAtThisVersion());
      }
      return matches ? WatchEvents.event("ADDED", newJson) : null;
    }

    /**
     * What a DELETED event carries: the object as it was, with this change's resourceVersion (a real server does so
     * both for a deletion and for an object that stops matching a watch's selector). Computed once, when first asked.
     */
    private String oldAtThisVersion() {
      String json = oldAtThisVersion;
      if (json == null) {
        @SuppressWarnings("deprecation") // the mapper fabric8's Serialization itself uses; the tree keeps key order
        ObjectNode tree = (ObjectNode) Serialization.jsonMapper().readTree(oldJson);
        ((ObjectNode) tree.get("metadata")).put("resourceVersion", String.valueOf(version));
        json = tree.toString();
        oldAtThisVersion = json;
      }
      return json;
    }
  }

  private final ArrayDeque<Change> changes = new ArrayDeque<>();
  private final List<Consumer<Change>> subscribers = new CopyOnWriteArrayList<>();
  private final int capacity;
  /** The oldest version a watch may start from: every change after it is still kept. */
  private long oldestWatchable;
  /** The version of the newest change appended (kept through compaction). */
  private long lastVersion;

  WatchLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("watch history must keep at least one change, not " + capacity);
    }
    this.capacity = capacity;
  }

  /** Under the write lock. */
  void append(long version, String oldJson, AttributeSet oldAttributes, String newJson, AttributeSet newAttributes) {
    Change change = new Change(version, oldJson, oldAttributes, newJson, newAttributes);
    changes.addLast(change);
    lastVersion = version;
    while (changes.size() > capacity) {
      oldestWatchable = changes.removeFirst().version;
    }
    for (Consumer<Change> subscriber : subscribers) {
      subscriber.accept(change);
    }
  }

  /** The version of the newest change (under a lock). */
  long lastVersion() {
    return lastVersion;
  }

  /** Under the write lock: forgets every change up to {@code current}, as etcd's compaction does. */
  void compact(long current) {
    changes.clear();
    oldestWatchable = Math.max(oldestWatchable, current);
  }

  /** The smallest N a watch may start from; an older one is answered "too old resource version: N (this)". */
  long oldestWatchable() {
    return oldestWatchable;
  }

  /** The changes after {@code version}, oldest first. Under a lock; null when that history is no longer kept. */
  List<Change> since(long version) {
    if (version < oldestWatchable) {
      return null;
    }
    List<Change> newer = new ArrayList<>();
    for (Iterator<Change> it = changes.descendingIterator(); it.hasNext(); ) {
      Change change = it.next();
      if (change.version <= version) {
        break;
      }
      newer.add(change);
    }
    Collections.reverse(newer);
    return newer;
  }

  /** Under a lock, together with the replay, so that nothing falls between them. */
  void subscribe(Consumer<Change> subscriber) {
    subscribers.add(subscriber);
  }

  /** From any thread (a copy-on-write list: an append under way still reaches it, harmlessly). */
  void unsubscribe(Consumer<Change> subscriber) {
    subscribers.remove(subscriber);
  }
}
