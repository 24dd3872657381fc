package dev.takeover.kube;

import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * One watch request: the events of a collection after a resourceVersion, on a websocket (as fabric8 and the API
 * server's websocket path do). Unlike fabric8's own watch, it hides nothing: every event, ERROR ones included,
 * reaches the handler, and so does the way the connection ended, so the caller decides whether to re-list.
 * Callbacks run on the caller's context, one at a time.
 */
final class WatchConnection {

  interface Handler {
    /** A watch event: type ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, and its object as the server sent it. */
    void event(String type, JsonObject object);

    /** The connection ended without being asked to; {@code cause} is null when the server closed it normally. */
    void ended(String cause);
  }

  private final Context context;
  private volatile boolean closing;
  private volatile WebSocket socket;
  /** Set on the context once the caller has the connection; what arrived before waits here (context only). */
  private boolean handedOut;
  private final java.util.ArrayDeque<Runnable> early = new java.util.ArrayDeque<>();

  private WatchConnection(Context context) {
    this.context = context;
  }

  /**
   * Opens the watch. Fails when the server refuses it (its status and message, e.g. "HTTP 429: …" from flow
   * control) or cannot be reached; completes once the websocket is open.
   *
   * <p>Call on an event-loop context of the client's Vert.x (WatchLoop runs on its owner's). fabric8 8.0's Vert.x 5
   * client gives the websocket its handlers in a callback of Vert.x's connect future, after Vert.x has resumed it:
   * asked from another thread, the callback can run after the loop has read the upgrade and what the server sent
   * with it (an API server sends its first events, or a 410 and its close, right after the 101). Those messages
   * then go to no handler, and a close among them makes fabric8 throw and never complete the open. Asked from a
   * task of that loop, the callback is in place before the loop reads anything.
   */
  static Future<WatchConnection> open(HttpClient http, URI uri, Context context, Handler handler) {
    WatchConnection c = new WatchConnection(context);
    Promise<WatchConnection> opened = Promise.promise();
    String origin = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    http.newWebSocketBuilder().uri(uri).header("Origin", origin).connectTimeout(10, TimeUnit.SECONDS)
        .buildAsync(c.listener(handler))
        .whenComplete((ws, e) -> context.runOnContext(v -> {
          if (e != null) {
            opened.fail(refusal(e));
            return;
          }
          c.socket = ws;
          if (c.closing) {
            ws.sendClose(1000, null); // closed by the caller while it opened
          }
          opened.complete(c);
          // Events (and the end) that came before the caller had the connection, in their order.
          c.handedOut = true;
          while (!c.early.isEmpty()) {
            c.early.poll().run();
          }
        }));
    return opened.future();
  }

  /** Closes the connection; the handler hears nothing more. */
  void close() {
    closing = true;
    WebSocket ws = socket;
    if (ws != null) {
      ws.sendClose(1000, null);
    }
  }

  private WebSocket.Listener listener(Handler handler) {
    return new WebSocket.Listener() {
      @Override
      public void onMessage(WebSocket ws, String text) {
        JsonObject event;
        try {
          event = new JsonObject(text);
        } catch (RuntimeException e) {
          event = new JsonObject().put("type", "ERROR").put("object", new JsonObject()
              .put("kind", "Status").put("message", "unreadable watch event: " + e.getMessage()));
        }
        JsonObject parsed = event;
        inOrder(() -> {
          if (!closing) {
            handler.event(parsed.getString("type", ""), parsed.getJsonObject("object", new JsonObject()));
          }
        });
        ws.request();
      }

      @Override
      public void onMessage(WebSocket ws, java.nio.ByteBuffer bytes) {
        onMessage(ws, java.nio.charset.StandardCharsets.UTF_8.decode(bytes).toString());
      }

      @Override
      public void onClose(WebSocket ws, int code, String reason) {
        // Vert.x answers the close frame itself; 1006 is its word for a connection dropped without one.
        ended(code == 1000 ? null : code == 1006 ? "connection lost without a close frame"
            : "connection closed by the server (websocket code " + code
            + (reason == null || reason.isEmpty() ? "" : ", " + reason) + ")");
      }

      @Override
      public void onError(WebSocket ws, Throwable error) {
        ended("connection lost: " + KubeFailure.describe(error));
      }

      private void ended(String cause) {
        inOrder(() -> {
          if (!closing) {
            closing = true;
            handler.ended(cause);
          }
        });
      }

      /** On the context, after the caller has the connection. */
      private void inOrder(Runnable task) {
        context.runOnContext(v -> {
          if (handedOut) {
            task.run();
          } else {
            early.add(task);
          }
        });
      }
    };
  }

  /** "HTTP 403: pods is forbidden: …" for a refused upgrade, or what went wrong on the way. */
  private static Throwable refusal(Throwable e) {
    Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    if (t instanceof WebSocketHandshakeException wshe && wshe.getResponse() != null) {
      HttpResponse<?> r = wshe.getResponse();
      String message = statusMessage(r);
      return new WatchRefused(r.code(), message, r.header("Retry-After"));
    }
    return new WatchRefused(0, KubeFailure.describe(t), null);
  }

  private static String statusMessage(HttpResponse<?> r) {
    String text;
    try {
      text = r.bodyString();
    } catch (java.io.IOException | RuntimeException e) {
      text = null;
    }
    if (text != null && !text.isBlank()) {
      try {
        return new JsonObject(text).getString("message", text);
      } catch (RuntimeException notJson) {
        return text.length() > 200 ? text.substring(0, 200) : text;
      }
    }
    return r.message() == null ? "" : r.message();
  }

  /** The server did not open the watch: {@code status} 0 when there was no answer at all. */
  static final class WatchRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String retryAfter;

    WatchRefused(int status, String message, String retryAfter) {
      super(status > 0 ? "HTTP " + status + ": " + message : message, null, false, false);
      this.status = status;
      this.retryAfter = retryAfter;
    }

    /** The server's Retry-After in milliseconds (flow control sends one with 429), or -1 for none. */
    long retryAfterMillis() {
      if (retryAfter != null) {
        try {
          return Math.max(0, Long.parseLong(retryAfter.trim())) * 1000;
        } catch (NumberFormatException httpDate) {
          return -1;
        }
      }
      return -1;
    }
  }
}
