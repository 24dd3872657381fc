package dev.takeover.sim.api;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code Status} bodies written in the key order and wording of a v1.32 API server (recorded answers:
 * src/test/resources/sim/*.json), so that clients which read {@code reason}, {@code details.causes} or the
 * message see what they would see on a real cluster.
 */
public final class Statuses {
  private Statuses() {}

  /** {"kind":"Status",...,"status":"Success","code":N}, as answered to an accepted eviction or binding. */
  public static MockResponse success(int code) {
    Map<String, Object> body = head("Success");
    body.put("code", code);
    return json(code, Serialization.asJson(body));
  }

  public static MockResponse failure(int code, String reason, String message, Map<String, Object> details) {
    Map<String, Object> body = head("Failure");
    body.put("message", message);
    body.put("reason", reason);
    if (details != null && !details.isEmpty()) {
      body.put("details", details);
    }
    body.put("code", code);
    return json(code, Serialization.asJson(body));
  }

  /** 404 as in evict-404-missing: {@code pods "x" not found}, details name and kind (the resource, plural). */
  public static MockResponse notFound(String resource, String name) {
    return failure(404, "NotFound", resource + " \"" + name + "\" not found", details(name, resource));
  }

  /** 409 as in evict-409-uid-precondition: details name and kind (the Kind). */
  public static MockResponse conflict(String kind, String name, String message) {
    return failure(409, "Conflict", message, details(name, kind));
  }

  public static MockResponse badRequest(String message) {
    return failure(400, "BadRequest", message, null);
  }

  public static MockResponse internalError(String message) {
    return failure(500, "InternalError", "Internal error occurred: " + message,
        Map.of("causes", List.of(Map.of("message", message))));
  }

  /** 503 as an overloaded API server answers: "the server is currently unable to handle the request". */
  public static MockResponse unavailable() {
    return failure(503, "ServiceUnavailable", "the server is currently unable to handle the request", null);
  }

  public static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }

  private static Map<String, Object> head(String status) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", "Status");
    body.put("apiVersion", "v1");
    body.put("metadata", Map.of());
    body.put("status", status);
    return body;
  }

  private static Map<String, Object> details(String name, String kind) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("name", name);
    details.put("kind", kind);
    return details;
  }
}
