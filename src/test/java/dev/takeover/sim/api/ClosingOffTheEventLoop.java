package dev.takeover.sim.api;

import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

import java.util.concurrent.Executor;

/**
 * A watch's listener whose close runs off the mock server's event loop. The mock calls {@code onClosed} on the
 * event loop, and fabric8's WatchEventsListener then waits (up to a minute) for its sender thread, which may itself
 * be waiting (up to 30 s) for a websocket write that only that same event loop can complete: every connection on
 * the loop stalls meanwhile (seen as 10 s client timeouts when the engine closed a watch with events in flight).
 * Everything else is passed through as it comes.
 */
final class ClosingOffTheEventLoop extends WebSocketListener {
  private final WebSocketListener watch;
  private final Executor closer;

  ClosingOffTheEventLoop(WebSocketListener watch, Executor closer) {
    this.watch = watch;
    this.closer = closer;
  }

  @Override
  public void onBeforeAccept(WebSocket webSocket, Response response) {
    watch.onBeforeAccept(webSocket, response);
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    watch.onOpen(webSocket, response);
  }

  @Override
  public void onMessage(WebSocket webSocket, String text) {
    watch.onMessage(webSocket, text);
  }

  @Override
  public void onMessage(WebSocket webSocket, ByteString bytes) {
    watch.onMessage(webSocket, bytes);
  }

  @Override
  public void onMessage(WebSocket webSocket, byte[] bytes) {
    watch.onMessage(webSocket, bytes);
  }

  @Override
  public void onPing(WebSocket webSocket, byte[] bytes) {
    watch.onPing(webSocket, bytes);
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    watch.onClosing(webSocket, code, reason);
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    closer.execute(() -> watch.onClosed(webSocket, code, reason));
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable t, Response response) {
    closer.execute(() -> watch.onFailure(webSocket, t, response));
  }
}
