package dev.takeover.sim.api;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Faults of the simulated API server's watches, off by default, switched at any time on a running cluster
 * ({@code cluster.watchFaults().cutAfterEvents(3)}). Each applies to the watches opened after the switch; the cuts and
 * silence also to the watches already open (counted from the switch). All setters return this object.
 * <ul>
 *   <li>{@link #noResourceVersionFails}: a watch without resourceVersion is answered, after the upgrade, by the ERROR
 *   event of kube-apiserver v1.32 with WatchList on etcd older than 3.5.13 (RequestWatchProgress disabled), then
 *   ends;</li>
 *   <li>{@link #cutAfterEvents} and {@link #cutAfter}: the connection is cut (no ERROR event, no close frame: the
 *   TCP connection is closed, as by a proxy) after so many messages, or so long;</li>
 *   <li>{@link #silent}: the watch is accepted (101) and then sends nothing, ever, until the client closes it;</li>
 *   <li>{@link #onlyFor}: the faults concern one resource only (e.g. "pods").</li>
 * </ul>
 */
public final class WatchFaults {
  private volatile boolean noResourceVersionFails;
  private volatile int cutAfterEvents;
  private volatile Duration cutAfter;
  private volatile boolean silent;
  private volatile String onlyFor;
  /** Changes whenever a fault is switched: an open watch counts its messages towards a cut from the last switch. */
  private final AtomicLong generation = new AtomicLong();
  private volatile Runnable onCutAfterChange = () -> { };

  WatchFaults() {
  }

  /** A watch without resourceVersion (absent or "") gets the 500 ERROR event of a server without RequestWatchProgress. */
  public WatchFaults noResourceVersionFails(boolean on) {
    noResourceVersionFails = on;
    return switched();
  }

  /** The server cuts a watch's connection after sending it {@code n} messages (events and bookmarks); 0: off. */
  public WatchFaults cutAfterEvents(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("cutAfterEvents: " + n);
    }
    cutAfterEvents = n;
    return switched();
  }

  /** The server cuts a watch's connection once it has been open {@code d} (open ones: {@code d} after now); null: off. */
  public WatchFaults cutAfter(Duration d) {
    if (d != null && d.isNegative()) {
      throw new IllegalArgumentException("cutAfter: " + d);
    }
    cutAfter = d;
    switched();
    onCutAfterChange.run();
    return this;
  }

  /** Watches are accepted and then send nothing at all (a watch that fell silent stays so). */
  public WatchFaults silent(boolean on) {
    silent = on;
    return switched();
  }

  /** Restricts the faults to watches of this resource (plural, e.g. "pods"); null: every resource. */
  public WatchFaults onlyFor(String plural) {
    onlyFor = plural;
    switched();
    onCutAfterChange.run(); // the resource a cut timer concerns may have changed
    return this;
  }

  /** Every fault off, for every resource. */
  public WatchFaults clear() {
    noResourceVersionFails = false;
    cutAfterEvents = 0;
    silent = false;
    onlyFor = null;
    return cutAfter(null);
  }

  private WatchFaults switched() {
    generation.incrementAndGet();
    return this;
  }

  boolean appliesTo(String plural) {
    String only = onlyFor;
    return only == null || only.equals(plural);
  }

  boolean noResourceVersionFailsFor(String plural) {
    return noResourceVersionFails && appliesTo(plural);
  }

  int cutAfterEventsFor(String plural) {
    return appliesTo(plural) ? cutAfterEvents : 0;
  }

  Duration cutAfterFor(String plural) {
    return appliesTo(plural) ? cutAfter : null;
  }

  boolean silentFor(String plural) {
    return silent && appliesTo(plural);
  }

  long generation() {
    return generation.get();
  }

  /** Called after {@link #cutAfter(Duration)} or {@link #onlyFor(String)} changes: the open watches rearm their cut. */
  void onCutAfterChange(Runnable action) {
    onCutAfterChange = action;
  }

  @Override
  public String toString() {
    return "WatchFaults[noResourceVersionFails=" + noResourceVersionFails + ", cutAfterEvents=" + cutAfterEvents
        + ", cutAfter=" + cutAfter + ", silent=" + silent + ", onlyFor=" + onlyFor + "]";
  }
}
