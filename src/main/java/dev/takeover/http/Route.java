package dev.takeover.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

import java.util.HashMap;
import java.util.Map;

/**
 * One route of the server: a method, a path pattern whose {@code {name}} segments are parameters, and a name for
 * metrics (the pattern itself: {@code /api/v1/tickets/{id}}, never the id, so the series stay few).
 */
public record Route(HttpMethod method, String pattern, Handler handler) {

  /** Answers a request; may fail, which the server answers with a 500 JSON error (and logs). */
  public interface Handler {
    Future<Reply> handle(Request request);
  }

  public static Route get(String pattern, Handler handler) {
    return new Route(HttpMethod.GET, pattern, handler);
  }

  public static Route post(String pattern, Handler handler) {
    return new Route(HttpMethod.POST, pattern, handler);
  }

  /** The parameters when {@code path} matches the pattern; null otherwise. A parameter is one non-empty segment. */
  Map<String, String> match(String path) {
    String[] want = pattern.split("/", -1);
    String[] got = path.split("/", -1);
    if (want.length != got.length) {
      return null;
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < want.length; i++) {
      if (want[i].startsWith("{") && want[i].endsWith("}")) {
        if (got[i].isEmpty()) {
          return null;
        }
        params.put(want[i].substring(1, want[i].length() - 1), decode(got[i]));
      } else if (!want[i].equals(got[i])) {
        return null;
      }
    }
    return params;
  }

  private static String decode(String segment) {
    try {
      return java.net.URLDecoder.decode(segment.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return segment;
    }
  }
}
