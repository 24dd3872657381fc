package dev.takeover.sim.kubectl;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request path of the Kubernetes REST API taken apart: {@code /api/v1/namespaces/default/pods/mysql-0?…} is
 * group "", version v1, namespace default, resource pods, name mysql-0. Namespace, name and subresource are
 * empty strings when absent.
 */
record ApiPath(String group, String version, String namespace, String resource, String name, String subresource,
               Map<String, String> query) {

  /** The path of a resource or collection, or empty for anything else (discovery, /version, /healthz …). */
  static Optional<ApiPath> parse(String requestPath) {
    int q = requestPath.indexOf('?');
    String path = q < 0 ? requestPath : requestPath.substring(0, q);
    Map<String, String> query = q < 0 ? Map.of() : query(requestPath.substring(q + 1));
    List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    String group;
    List<String> rest;
    if (segments.size() >= 3 && segments.get(0).equals("api")) {
      group = "";
      rest = segments.subList(2, segments.size());
    } else if (segments.size() >= 4 && segments.get(0).equals("apis")) {
      group = segments.get(1);
      rest = segments.subList(3, segments.size());
    } else {
      return Optional.empty();
    }
    String version = group.isEmpty() ? segments.get(1) : segments.get(2);
    if (rest.get(0).equals("namespaces") && rest.size() >= 3) {
      return Optional.of(new ApiPath(group, version, rest.get(1), rest.get(2), at(rest, 3), at(rest, 4), query));
    }
    return Optional.of(new ApiPath(group, version, "", rest.get(0), at(rest, 1), at(rest, 2), query));
  }

  boolean isWatch() {
    String watch = query.get("watch");
    return "true".equals(watch) || "1".equals(watch);
  }

  private static String at(List<String> list, int index) {
    return index < list.size() ? list.get(index) : "";
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      params.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return params;
  }
}
