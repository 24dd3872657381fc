package dev.takeover.sim.api;

import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.vertx.VertxMockWebSocket;
import io.netty.channel.Channel;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;

/**
 * Cuts a watch's connection as a proxy or a dying server does: the TCP connection is closed with no websocket close
 * frame, so the client sees an abnormal closure (1006) rather than a close. The mock's websocket offers only a
 * graceful close, so the Vert.x websocket is read from its private field and its Netty channel closed beneath
 * Vert.x's handlers, which would otherwise send a close frame first (checked against
 * fabric8 mockwebserver 8.0.0 and Vert.x 5.2); should that ever fail, the cut degrades to a normal close (1000),
 * with a warning. The same field tells when a watch's connection is closed, which the mock does not.
 */
final class CutConnection {
  private static final Logger LOG = LoggerFactory.getLogger(CutConnection.class);
  private static final Field VERTX_WEBSOCKET = vertxWebSocketField();

  private CutConnection() {}

  static void cut(WebSocket socket) {
    if (VERTX_WEBSOCKET != null && socket instanceof VertxMockWebSocket) {
      try {
        ServerWebSocket webSocket = (ServerWebSocket) VERTX_WEBSOCKET.get(socket);
        if (webSocket instanceof WebSocketInternal internal) {
          // below the pipeline: Vert.x's handlers turn a channel close into a graceful one, with a close frame
          Channel channel = internal.channelHandlerContext().channel();
          channel.eventLoop().execute(() -> channel.unsafe().close(channel.voidPromise()));
          return;
        }
      } catch (IllegalAccessException | RuntimeException e) {
        LOG.warn("cannot cut the watch's connection, closing it normally instead: {}", e.toString());
      }
    }
    socket.close(1000, "");
  }

  /**
   * Runs {@code action} once the websocket's connection is closed, however (on the connection's event loop; at once if
   * it is already closing). The mock's connection listener hears only of plain HTTP connections closing: after the
   * upgrade, Vert.x closes a websocket connection without telling the HTTP connection it replaced. Never runs if the
   * mock's websocket cannot be reached.
   */
  static void whenClosed(WebSocket socket, Runnable action) {
    if (VERTX_WEBSOCKET != null && socket instanceof VertxMockWebSocket) {
      try {
        ServerWebSocket webSocket = (ServerWebSocket) VERTX_WEBSOCKET.get(socket);
        webSocket.closeHandler(v -> action.run());
      } catch (IllegalStateException closing) {
        action.run(); // Vert.x takes no close handler once the websocket closes
      } catch (IllegalAccessException | RuntimeException e) {
        LOG.warn("cannot tell when a watch's connection closes: {}", e.toString());
      }
    }
  }

  private static Field vertxWebSocketField() {
    try {
      Field field = VertxMockWebSocket.class.getDeclaredField("webSocket");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("fabric8's mock websocket changed ({}): watch cuts will be normal closes", e.toString());
      return null;
    }
  }
}
