package dev.takeover.sim.api;

import dev.takeover.sim.RequestHook;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.MockWebServerListener;
import io.fabric8.mockwebserver.http.RecordedHttpConnection;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The simulated API server: a fabric8 {@link KubernetesMockServer} over plain HTTP on 127.0.0.1 whose dispatcher is
 * a chain: {@link Impersonation} (a request that impersonates a user is authorized by RBAC; any other is the
 * administrator's), the {@link RequestHook} (e.g. the kubectl facade), then {@link KubernetesBehaviours} (and its
 * {@link Watches}), then the {@link SimStore}. Every request is first noted in {@link #requestLog()}. After every
 * request that may have changed something, {@code onChange} runs (it wakes the controllers).
 */
public final class SimApiServer implements AutoCloseable {
  /** As a real server: a bookmark at most every minute on a watch that asked for them. */
  public static final Duration DEFAULT_BOOKMARK_INTERVAL = Duration.ofMinutes(1);
  /** How many request lines {@link #requestLog()} keeps. */
  public static final int REQUEST_LOG_SIZE = 2_000;

  private final SimStore store;
  private final Watches watches;
  private final KubernetesMockServer server;
  private final AtomicInteger openConnections = new AtomicInteger();
  private final Deque<String> requestLog = new ArrayDeque<>();

  public SimApiServer(RequestHook hook, Runnable onChange) {
    this(hook, onChange, WatchLog.DEFAULT_HISTORY, DEFAULT_BOOKMARK_INTERVAL);
  }

  /**
   * {@code watchHistory}: how many changes the watch log keeps (a watch from an older version gets 410);
   * {@code bookmarkInterval}: how often a watch that allows bookmarks gets one.
   */
  @SuppressWarnings("deprecation") // Serialization.jsonMapper(): what KubernetesMockServer itself gives its Context
  public SimApiServer(RequestHook hook, Runnable onChange, int watchHistory, Duration bookmarkInterval) {
    store = new SimStore(watchHistory);
    // The mock counts a connection's end only for plain HTTP ones: after an upgrade the watch tells it.
    watches = new Watches(store, bookmarkInterval, openConnections::decrementAndGet);
    Dispatcher api = new KubernetesBehaviours(store, watches);
    Impersonation impersonation = new Impersonation(store);
    Dispatcher chain = new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        logRequest(request);
        // As kube-apiserver: who asks, and may they, before anything serves the request (the hook included).
        MockResponse refused = impersonation.refuse(request);
        if (refused != null) {
          return refused;
        }
        MockResponse response = hook == null ? null : hook.handle(request, api);
        if (response == null) {
          response = api.dispatch(request);
        }
        if (!"GET".equals(request.getMethod())) {
          onChange.run();
        }
        return response;
      }
    };
    MockWebServer http = new MockWebServer();
    http.addListener(new MockWebServerListener() {
      @Override
      public void onConnection(RecordedHttpConnection connection) {
        openConnections.incrementAndGet();
      }

      @Override
      public void onConnectionClosed(RecordedHttpConnection connection) {
        openConnections.decrementAndGet();
      }
    });
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), http, new HashMap<>(), chain, false);
  }

  /** Listens on 127.0.0.1:port (0: any free port). */
  public void start(int port) {
    try {
      server.init(InetAddress.getByName("127.0.0.1"), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return server.getPort();
  }

  /** http://127.0.0.1:PORT (an address rather than "localhost", which may resolve to ::1 first). */
  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  public SimStore store() {
    return store;
  }

  /** The connections clients hold now (a watch's until its websocket's connection is closed). */
  public int openConnections() {
    return openConnections.get();
  }

  /** The watch faults, switchable at any time; see {@link WatchFaults}. */
  public WatchFaults watchFaults() {
    return watches.faults();
  }

  /** How many watches are served now. */
  public int openWatches() {
    return watches.openCount();
  }

  /** The last {@value #REQUEST_LOG_SIZE} requests received, oldest first, as "METHOD PATH?QUERY". */
  public List<String> requestLog() {
    synchronized (requestLog) {
      return List.copyOf(requestLog);
    }
  }

  private void logRequest(RecordedRequest request) {
    synchronized (requestLog) {
      requestLog.addLast(request.getMethod() + " " + request.getPath());
      while (requestLog.size() > REQUEST_LOG_SIZE) {
        requestLog.removeFirst();
      }
    }
  }

  /**
   * Stops the server. Waits (at most {@code grace}) for clients to have closed their connections first: Vert.x
   * shutting down while a connection is still closing logs RejectedExecutionException, and an open watch can
   * keep the mock from closing at all.
   */
  public void close(Duration grace) {
    awaitNoConnections(grace);
    server.destroy();
  }

  /** Returns once no client holds a connection, or after {@code bound}. */
  public void awaitNoConnections(Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (openConnections.get() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(5_000_000); // bounded: a client that never hangs up only delays the shutdown
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(1));
  }
}
