package dev.takeover.subscribers;

import dev.takeover.logs.RunKeys;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The CloudEvents not yet acknowledged by the events topic, in memory and bounded. One lane per ticket keeps that
 * ticket's events in the order they were published, and only a lane's head is ever in flight: a later event of a
 * ticket is not sent before an earlier one is on the topic, retries included. Lanes of different tickets go in
 * parallel. Plain Java, used from one Vert.x context.
 */
final class Outbox {

  /**
   * One event waiting for the topic.
   *
   * @param seq    arrival number: the age order across lanes, for dropping the oldest
   * @param ticket the ticket id, the record key
   * @param type   the ticket event's type ({@code step}, {@code pod}, {@code completed}…)
   * @param value  the structured CloudEvent, serialised once so that every retry sends the same id
   * @param keys   the names of the run it tells of, for a log line about it
   */
  record Entry(long seq, String ticket, String type, byte[] value, RunKeys keys) {}

  private final int capacity;
  private final Map<String, ArrayDeque<Entry>> lanes = new LinkedHashMap<>();
  private final Set<String> inFlight = new HashSet<>();
  private final LinkedHashSet<Entry> byAge = new LinkedHashSet<>();
  private long nextSeq;

  Outbox(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("the events queue needs room for at least one event, got " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Queues an event. When the queue is full, one event makes room: the oldest {@code step} or {@code pod} event
   * (progress a reader can do without), else the oldest of any type, never one in flight; if every queued event
   * is in flight, the new one is the one dropped.
   *
   * @return the dropped event, or null
   */
  Entry add(String ticket, String type, byte[] value) {
    return add(ticket, type, value, RunKeys.NONE);
  }

  /** As {@link #add(String, String, byte[])}, for an event of the run {@code keys} names. */
  Entry add(String ticket, String type, byte[] value, RunKeys keys) {
    Entry entry = new Entry(nextSeq++, ticket, type, value, keys);
    Entry dropped = null;
    if (byAge.size() >= capacity) {
      dropped = oldestDroppable();
      if (dropped == null) {
        return entry;
      }
      remove(dropped);
    }
    lanes.computeIfAbsent(ticket, t -> new ArrayDeque<>()).addLast(entry);
    byAge.add(entry);
    return dropped;
  }

  /** The head of every lane that has nothing in flight; each is in flight from now on. */
  List<Entry> takeReady() {
    List<Entry> ready = new ArrayList<>();
    for (Map.Entry<String, ArrayDeque<Entry>> lane : lanes.entrySet()) {
      if (inFlight.add(lane.getKey())) {
        ready.add(lane.getValue().peekFirst());
      }
    }
    return ready;
  }

  /** The topic has it (or refused it for good): it leaves the queue and its lane may send the next. */
  void done(Entry entry) {
    inFlight.remove(entry.ticket());
    remove(entry);
  }

  /** The send failed: it stays at the head of its lane, to be taken again. */
  void retryLater(Entry entry) {
    inFlight.remove(entry.ticket());
  }

  /** Whether the ticket has an event queued (in flight or waiting). */
  boolean hasEvents(String ticket) {
    return lanes.containsKey(ticket);
  }

  int size() {
    return byAge.size();
  }

  boolean isEmpty() {
    return byAge.isEmpty();
  }

  boolean nothingInFlight() {
    return inFlight.isEmpty();
  }

  private Entry oldestDroppable() {
    Entry oldestOther = null;
    for (Iterator<Entry> it = byAge.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (isInFlight(e)) {
        continue;
      }
      if ("step".equals(e.type()) || "pod".equals(e.type())) {
        return e;
      }
      if (oldestOther == null) {
        oldestOther = e;
      }
    }
    return oldestOther;
  }

  private boolean isInFlight(Entry e) {
    return inFlight.contains(e.ticket()) && lanes.get(e.ticket()).peekFirst() == e;
  }

  private void remove(Entry entry) {
    byAge.remove(entry);
    ArrayDeque<Entry> lane = lanes.get(entry.ticket());
    if (lane != null) {
      lane.remove(entry);
      if (lane.isEmpty()) {
        lanes.remove(entry.ticket());
      }
    }
  }
}
