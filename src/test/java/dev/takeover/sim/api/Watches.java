package dev.takeover.sim.api;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API server's watches, in place of the CRUD mock's (which ignored resourceVersion and started every watch with
 * ADDED for everything): each {@code GET ...?watch=true} that asks for a websocket upgrade, as fabric8 watches, is
 * served by a {@link WatchStream} from the store's {@link WatchLog}. HTTP streaming watches (kubectl get -w) are
 * refused with 406: the mock can only answer a request with a whole body.
 */
final class Watches {
  private final SimStore store;
  private final Duration bookmarkInterval;
  private final WatchFaults faults = new WatchFaults();
  private final Set<WatchStream> open = ConcurrentHashMap.newKeySet();
  private final Runnable connectionClosed;

  /** {@code connectionClosed}: told once for each watch when its connection is closed (the mock does not say so). */
  Watches(SimStore store, Duration bookmarkInterval, Runnable connectionClosed) {
    if (bookmarkInterval == null || bookmarkInterval.isZero() || bookmarkInterval.isNegative()) {
      throw new IllegalArgumentException("bookmark interval: " + bookmarkInterval);
    }
    this.store = store;
    this.bookmarkInterval = bookmarkInterval;
    this.connectionClosed = connectionClosed;
    faults.onCutAfterChange(() -> open.forEach(WatchStream::armCut));
  }

  /** The answer to a watch request (an upgrade, or an error Status); null when the request is no watch. */
  MockResponse handle(RecordedRequest request) {
    String path = request.getPath();
    if (!"GET".equals(request.getMethod()) || !WatchRequest.isWatch(path)) {
      return null;
    }
    WatchRequest watch = WatchRequest.parse(path, store.extractor()); // a refused parameter: ApiError, 422 or 400
    if (!asksForWebSocket(request)) {
      return Statuses.failure(406, "NotAcceptable", "the simulated API server serves watches over a websocket "
          + "only (Upgrade: websocket), as fabric8 opens them; HTTP streaming watches are not supported", null);
    }
    return new MockResponse().withWebSocketUpgrade(new WatchStream(this, watch));
  }

  private static boolean asksForWebSocket(RecordedRequest request) {
    String upgrade = request.getHeader("Upgrade");
    return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
  }

  SimStore store() {
    return store;
  }

  WatchFaults faults() {
    return faults;
  }

  Duration bookmarkInterval() {
    return bookmarkInterval;
  }

  Runnable connectionClosed() {
    return connectionClosed;
  }

  /** How many watches are served now (a silenced one is not: it gets no more changes). */
  public int openCount() {
    return open.size();
  }

  void opened(WatchStream stream) {
    open.add(stream);
  }

  /** The stream is over: it gets no more changes. From any thread; never blocks. */
  void closed(WatchStream stream) {
    open.remove(stream);
    store.watchLog().unsubscribe(stream);
  }
}
