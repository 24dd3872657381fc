package dev.takeover.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * What a route answers: a status, a content type and a body. Errors are JSON {@code {"error": code, "message": one
 * line}}, the same shape on every route, so that a client (or curl) never sees a stack trace or an HTML page.
 */
public record Reply(int status, String contentType, Buffer body, Map<String, String> headers) {
  public static final String JSON = "application/json";

  public Reply {
    headers = Map.copyOf(headers);
  }

  public static Reply json(int status, JsonObject body) {
    return new Reply(status, JSON, body.toBuffer(), Map.of());
  }

  public static Reply text(int status, String contentType, String body) {
    return new Reply(status, contentType, Buffer.buffer(body), Map.of());
  }

  /** An error: {@code code} is stable (a DLQ code, or unauthorized, not-found…), {@code message} one human line. */
  public static Reply error(int status, String code, String message) {
    String line = message == null ? "" : message.replace('\n', ' ').replace('\r', ' ');
    return json(status, new JsonObject().put("error", code).put("message", line));
  }

  public Reply withHeader(String name, String value) {
    java.util.HashMap<String, String> h = new java.util.HashMap<>(headers);
    h.put(name, value);
    return new Reply(status, contentType, body, h);
  }
}
