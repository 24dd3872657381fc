package dev.takeover.http;

import io.vertx.core.Future;

import java.util.List;

/** An input served by the HTTP server: its routes, and what it holds (a producer, a client) closed on stop. */
public interface Routes {
  List<Route> routes();

  default Future<Void> close() {
    return Future.succeededFuture();
  }

  static Routes of(List<Route> routes) {
    return () -> routes;
  }
}
