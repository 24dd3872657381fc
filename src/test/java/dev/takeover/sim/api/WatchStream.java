package dev.takeover.sim.api;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One watch, as the API server's watch cache serves it (see package-info for the semantics and the faults).
 *
 * <p>Threads: changes arrive under the store's write lock, on whichever thread made them, and are only queued here;
 * everything that touches the websocket (sending, timers, closing) runs on the event loop of the watch's own
 * connection, where the mock's {@code send} merely enqueues the write. So nothing here ever blocks an event loop, and
 * a client closing its watch costs nothing (the CRUD mock's own watch listener blocked the loop on close, which is
 * why its watches needed to be closed off the loop).
 */
final class WatchStream extends WebSocketListener implements Consumer<WatchLog.Change> {
  /** Queued after the last message: close the websocket normally (1000), as the server does when a watch ends. */
  private static final Object END = new Object();

  private final Watches watches;
  private final WatchRequest request;
  private final Queue<Object> outbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  /** Ended by either side: nothing more is queued or sent. */
  private volatile boolean over;
  /** Changes at or before this version are not sent (written under the read lock, read under the write lock). */
  private volatile long startVersion;
  private volatile Context context;
  private WebSocket socket;
  // the fields below belong to the event loop
  private boolean silenced;
  private long faultGeneration;
  private int sentSinceSwitch;
  private long deadline;
  private long bookmarkTimer = -1;
  private long timeoutTimer = -1;
  private long cutTimer = -1;

  WatchStream(Watches watches, WatchRequest request) {
    this.watches = watches;
    this.request = request;
  }

  /** Called once Vert.x has written the 101: the first events go at once, as the watch cache sends them. */
  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    socket = webSocket;
    context = Vertx.currentContext();
    if (context == null) {
      throw new IllegalStateException("a watch must be opened on the mock's event loop");
    }
    CutConnection.whenClosed(webSocket, watches.connectionClosed());
    long openedAt = System.nanoTime();
    WatchFaults faults = watches.faults();
    faultGeneration = faults.generation();
    if (faults.silentFor(request.plural())) {
      silenced = true;
      return;
    }
    if (faults.noResourceVersionFailsFor(request.plural()) && request.withoutResourceVersion()) {
      outbox.add(WatchEvents.REQUEST_WATCH_PROGRESS_DISABLED);
      outbox.add(END);
      drain();
      return;
    }
    watches.opened(this);
    watches.store().whileNoChange(() -> {
      start();
      return null;
    });
    drain();
    if (over) {
      return;
    }
    if (request.timeoutSeconds() != null && request.timeoutSeconds() > 0) {
      deadline = openedAt + TimeUnit.SECONDS.toNanos(request.timeoutSeconds());
      timeoutTimer = vertx().setTimer(TimeUnit.SECONDS.toMillis(request.timeoutSeconds()), id -> {
        outbox.add(END);
        drain();
      });
    }
    if (request.allowWatchBookmarks()) {
      scheduleBookmark();
    }
    armCut();
  }

  /** Under the store's read lock: the first events, then the subscription, with no change in between. */
  private void start() {
    SimStore store = watches.store();
    WatchLog log = store.watchLog();
    long now = store.currentResourceVersion();
    Boolean initialEvents = request.sendInitialEvents();
    if (Boolean.TRUE.equals(initialEvents) || initialEvents == null && request.fromAnyVersion()) {
      // the state now, as ADDED ("0", absent or "": any version will do; sendInitialEvents: not older than asked)
      for (String json : store.matching(request.query())) {
        outbox.add(WatchEvents.event("ADDED", json));
      }
      if (request.wantsInitialEventsEnd()) {
        outbox.add(WatchEvents.bookmark(request.plural(), request.apiVersion(), now, true));
      }
      startVersion = now;
    } else if (request.fromAnyVersion()) {
      startVersion = now; // sendInitialEvents=false without a version: from now on, nothing before
    } else {
      long from = Long.parseLong(request.resourceVersion());
      List<WatchLog.Change> replay = log.since(from);
      if (replay == null) {
        outbox.add(WatchEvents.expired(from, log.oldestWatchable()));
        outbox.add(END);
        return;
      }
      for (WatchLog.Change change : replay) {
        String event = change.eventFor(request.query());
        if (event != null) {
          outbox.add(event);
        }
      }
      // a version not reached yet: the watch waits for it, as the watch cache does (nothing up to it is sent)
      startVersion = Math.max(from, now);
    }
    log.subscribe(this);
  }

  /** A change of the store, under its write lock: queued, sent from the event loop. */
  @Override
  public void accept(WatchLog.Change change) {
    if (over || change.version <= startVersion) {
      return;
    }
    String event = change.eventFor(request.query());
    if (event != null) {
      outbox.add(event);
      if (drainScheduled.compareAndSet(false, true)) {
        context.runOnContext(v -> drain());
      }
    }
  }

  /** On the event loop: sends what is queued, unless the watch is over, silenced or due to be cut. */
  private void drain() {
    drainScheduled.set(false);
    if (over) {
      outbox.clear();
      return;
    }
    if (silenced || watches.faults().silentFor(request.plural())) {
      silence();
      return;
    }
    Object next;
    while ((next = outbox.poll()) != null) {
      if (next == END) {
        end(false);
        return;
      }
      // The fault as it stands before this send: a switch while the event is on its way counts from the next.
      int limit = watches.faults().cutAfterEventsFor(request.plural());
      long generation = watches.faults().generation();
      try {
        socket.send((String) next);
      } catch (RuntimeException e) {
        end(false); // the connection is gone
        return;
      }
      if (cutDue(limit, generation)) {
        end(true);
        return;
      }
    }
  }

  /** From now on nothing, ever: no event, no bookmark, no timeout; the client has to close it. */
  private void silence() {
    silenced = true;
    outbox.clear();
    watches.closed(this);
    cancelTimers();
  }

  /** {@code limit} read before {@code generation}: a switch in between only moves the count to the next event. */
  private boolean cutDue(int limit, long generation) {
    if (generation != faultGeneration) {
      faultGeneration = generation;
      sentSinceSwitch = 0;
    }
    sentSinceSwitch++;
    return limit > 0 && sentSinceSwitch >= limit;
  }

  /** (Re)arms the cut after {@link WatchFaults#cutAfter}: from the watch's opening, or from the switch when open. */
  void armCut() {
    Context on = context;
    if (on == null) {
      return;
    }
    on.runOnContext(v -> {
      if (cutTimer >= 0) {
        vertx().cancelTimer(cutTimer);
        cutTimer = -1;
      }
      Duration after = watches.faults().cutAfterFor(request.plural());
      if (after != null && !over && !silenced) {
        cutTimer = vertx().setTimer(Math.max(1, after.toMillis()), id -> end(true));
      }
    });
  }

  /**
   * As the watch cache: a bookmark every bookmark interval and one 2 s before the deadline (timeoutSeconds), each
   * only if the store has moved past the version the watch started from.
   */
  private void scheduleBookmark() {
    long now = System.nanoTime();
    long next = now + watches.bookmarkInterval().toNanos();
    if (deadline != 0) {
      next = Math.min(next, deadline - TimeUnit.SECONDS.toNanos(2));
    }
    if (next <= now || over) {
      return;
    }
    bookmarkTimer = vertx().setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now)), id -> {
      bookmarkTimer = -1;
      if (over || silenced) {
        return;
      }
      // under the lock, so that every change up to the bookmark's version is queued before it
      watches.store().whileNoChange(() -> {
        long version = watches.store().currentResourceVersion();
        if (version > startVersion) {
          outbox.add(WatchEvents.bookmark(request.plural(), request.apiVersion(), version, false));
        }
        return null;
      });
      drain();
      scheduleBookmark();
    });
  }

  /** On the event loop: the server ends the watch, with a close frame (1000), or cuts the connection. */
  private void end(boolean cut) {
    over = true;
    outbox.clear();
    watches.closed(this);
    cancelTimers();
    if (cut) {
      CutConnection.cut(socket);
    } else {
      socket.close(1000, "");
    }
  }

  private void cancelTimers() {
    for (long timer : new long[] {bookmarkTimer, timeoutTimer, cutTimer}) {
      if (timer >= 0) {
        vertx().cancelTimer(timer);
      }
    }
    bookmarkTimer = timeoutTimer = cutTimer = -1;
  }

  private Vertx vertx() {
    return context.owner();
  }

  /** The client closed its watch, or the connection failed: forget the watch (called on the event loop). */
  private void closedByPeer() {
    over = true;
    outbox.clear();
    watches.closed(this);
    if (context != null) {
      cancelTimers();
    }
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    closedByPeer();
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    closedByPeer();
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable t, Response response) {
    closedByPeer();
  }
}
