package dev.takeover.http;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.util.Map;

/**
 * A request as a route sees it: its path parameters ({@code {node}} of {@code /api/v1/nodes/{node}/plan}) and its
 * raw body, read whole (within {@code http.maxBodyBytes}) before the route is called. The body is bytes: a route
 * that checks a signature over them (Slack) does so before it parses anything.
 */
public record Request(HttpServerRequest raw, Map<String, String> params, Buffer body) {
  public MultiMap headers() {
    return raw.headers();
  }

  public String header(String name) {
    return raw.getHeader(name);
  }

  public String param(String name) {
    return params.get(name);
  }

  public String query(String name) {
    return raw.getParam(name);
  }
}
