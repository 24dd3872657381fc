package dev.takeover.sim;

import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.vertx.core.internal.VertxInternal;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A watch opened as fabric8 opens one (a websocket upgrade of {@code GET ...?watch=true}), seen message by message:
 * for tests that look at the events as the server sends them.
 */
final class RawWatch implements AutoCloseable {
  /**
   * How the watch ended: the server's close code, or -1 with the client's error when the connection failed or was cut
   * (fabric8's Vert.x client reports a connection closed without close frame as "WebSocket connection closed
   * unexpectedly").
   */
  record End(int code, Throwable error) {}

  private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<End> end = new CompletableFuture<>();
  private volatile WebSocket socket;

  private RawWatch() {}

  /** Opens {@code path} (e.g. "/api/v1/pods?watch=true") through a client of the cluster (closed with it). */
  static RawWatch open(SimulatedCluster cluster, String path) {
    try {
      return openAsync(cluster, path).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("watch " + path + " not opened: " + (e.getCause() == null ? e : e.getCause()), e);
    }
  }

  /**
   * Opens {@code path} without waiting, from whatever thread, on an event loop of the cluster's clients. Why there:
   * fabric8 8.0's Vert.x 5 client gives a websocket its handlers in a callback of Vert.x's connect future, and Vert.x
   * resumes the socket just before. Had the asking thread attached that callback late (a loaded machine holds a
   * thread for milliseconds), it ran after the event loop had taken the upgrade and what the server sent with it:
   * those messages went to no handler, and a close among them made fabric8 throw ("WebSocket is closed") and never
   * complete the open. Started by a task of the connection's own event loop, the callback is in place before that
   * loop reads anything. The product opens its watches the same way (WatchLoop, on its owner's event-loop context).
   */
  static CompletableFuture<RawWatch> openAsync(SimulatedCluster cluster, String path) {
    HttpClient http = http(cluster);
    URI uri = URI.create(cluster.masterUrl() + path);
    RawWatch watch = new RawWatch();
    CompletableFuture<RawWatch> opened = new CompletableFuture<>();
    ((VertxInternal) cluster.vertx()).createEventLoopContext().runOnContext(v -> {
      try {
        http.newWebSocketBuilder().uri(uri).buildAsync(watch.listener()).whenComplete((socket, e) -> {
          if (e != null) {
            opened.completeExceptionally(e);
          } else {
            watch.socket = socket;
            opened.complete(watch);
          }
        });
      } catch (RuntimeException e) {
        opened.completeExceptionally(e);
      }
    });
    return opened;
  }

  private WebSocket.Listener listener() {
    return new WebSocket.Listener() {
      @Override
      public void onOpen(WebSocket webSocket) {
        webSocket.request();
      }

      @Override
      public void onMessage(WebSocket webSocket, String text) {
        messages.add(text);
        webSocket.request();
      }

      @Override
      public void onClose(WebSocket webSocket, int code, String reason) {
        end.complete(new End(code, null));
      }

      @Override
      public void onError(WebSocket webSocket, Throwable error) {
        end.complete(new End(-1, error));
      }
    };
  }

  private static HttpClient http(SimulatedCluster cluster) {
    return cluster.newClient(config -> config.withRequestRetryBackoffLimit(0)).getHttpClient();
  }

  /** The next message, text as sent; fails when none comes within {@code bound}. */
  String next(Duration bound) {
    String message = poll(bound);
    assertNotNull(message, "no watch event within " + bound);
    return message;
  }

  /** The next message as maps and lists. */
  @SuppressWarnings("unchecked")
  Map<String, Object> nextEvent() {
    return (Map<String, Object>) RawApi.tree(next(Duration.ofSeconds(5)));
  }

  /** The next message, or null if none comes within {@code bound} (for asserting that nothing is sent). */
  String poll(Duration bound) {
    try {
      return messages.poll(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** How the watch ended; fails if it is still open after {@code bound}. */
  End awaitEnd(Duration bound) {
    try {
      return end.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      return fail("the watch was still open after " + bound);
    }
  }

  boolean ended() {
    return end.isDone();
  }

  @Override
  public void close() {
    if (!end.isDone()) {
      socket.sendClose(1000, "");
    }
  }

  /** The type of an event, and the name and resourceVersion of its object. */
  static String type(Map<String, Object> event) {
    return (String) event.get("type");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> metadata(Map<String, Object> event) {
    return (Map<String, Object>) ((Map<String, Object>) event.get("object")).get("metadata");
  }

  static String name(Map<String, Object> event) {
    return (String) metadata(event).get("name");
  }

  static long version(Map<String, Object> event) {
    return Long.parseLong((String) metadata(event).get("resourceVersion"));
  }
}
