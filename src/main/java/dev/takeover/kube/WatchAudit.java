package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a watch against the lists: every change a list finds (an object newer than last known, or one gone) after
 * the version the open watch started from must come through that watch within a grace. One that does not means
 * the watch is missing events (open, yet silent). resourceVersions are compared as numbers, which they are in
 * practice (etcd revisions); one that is not a number is never judged.
 */
final class WatchAudit {
  private final Duration grace;
  private final Map<String, Long> known = new HashMap<>(); // uid → newest version seen, by list or watch
  private final Map<String, Long> gone = new HashMap<>(); // uid → version of its deletion, as the watch told it
  private final Map<String, long[]> owed = new HashMap<>(); // uid → (version, nanoTime the list found it)

  WatchAudit(Duration grace) {
    this.grace = grace;
  }

  /**
   * A list at {@code listRv} found these items; {@code watchFrom} is the version the open watch started from, or
   * -1 when none is open. Returns true when the list found changes the watch now owes.
   */
  <T extends HasMetadata> boolean listed(List<T> items, long listRv, long watchFrom) {
    boolean watchOwes = watchFrom >= 0 && listRv > watchFrom;
    long now = System.nanoTime();
    Set<String> present = new HashSet<>();
    boolean found = false;
    for (T item : items) {
      String uid = item.getMetadata().getUid();
      long rv = number(item.getMetadata().getResourceVersion());
      Long deleted = gone.get(uid);
      if (deleted != null && deleted >= rv) {
        continue; // the watch already told of its deletion: this list was served before it
      }
      present.add(uid);
      Long before = known.get(uid);
      if (before == null || rv > before) {
        known.put(uid, rv);
        if (watchOwes && rv > watchFrom) {
          owed.put(uid, new long[] {rv, now});
          found = true;
        }
      }
    }
    for (Map.Entry<String, Long> e : Map.copyOf(known).entrySet()) {
      if (!present.contains(e.getKey()) && e.getValue() <= listRv) {
        known.remove(e.getKey()); // deleted since it was last seen, at a version at most the list's
        if (watchOwes) {
          owed.put(e.getKey(), new long[] {listRv, now});
          found = true;
        }
      }
    }
    return found;
  }

  /** The watch delivered a change of {@code uid} at {@code rv} ({@code deleted}: the object is gone). */
  void delivered(String uid, long rv, boolean deleted) {
    long[] due = owed.get(uid);
    if (due != null && (deleted || rv >= due[0])) {
      owed.remove(uid);
    }
    if (deleted) {
      known.remove(uid);
      gone.put(uid, rv);
    } else {
      known.merge(uid, rv, Math::max);
    }
  }

  /**
   * The watch has shown progress up to {@code rv} (an event or a bookmark). Events come in version order, so a
   * change owed at or below it that did not come is a certain miss.
   */
  boolean skippedBefore(long rv) {
    return rv >= 0 && owed.values().stream().anyMatch(d -> d[0] <= rv);
  }

  /** True when a change has been owed longer than the grace. */
  boolean overdue() {
    long now = System.nanoTime();
    return owed.values().stream().anyMatch(d -> now - d[1] >= grace.toNanos());
  }

  /** Milliseconds until the oldest owed change has had its grace (at least 1). */
  long untilDue() {
    long now = System.nanoTime();
    long oldest = owed.values().stream().mapToLong(d -> d[1]).min().orElse(now);
    return Math.max(1, (oldest + grace.toNanos() - now) / 1_000_000 + 1);
  }

  boolean owesNothing() {
    return owed.isEmpty();
  }

  /**
   * A new watch starts from {@code from}: changes at or below it it will never deliver (nor owes); those above
   * it it replays. -1 forgives everything.
   */
  void forgiveUpTo(long from) {
    owed.values().removeIf(d -> from < 0 || d[0] <= from);
  }

  static long number(String rv) {
    if (rv == null) {
      return -1;
    }
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
