package dev.takeover.helm;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One thing RBAC decides on: a verb on a resource (with its subresource, as RBAC writes it: {@code pods/eviction}) of an
 * API group, cluster-wide ({@link #CLUSTER}: a cluster-scoped resource, or a namespaced one in every namespace) or in
 * one namespace. Read from a request as the API server's request-info resolver reads it
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go): GET of a collection is list, or watch with
 * {@code watch=true}; GET of an object is get; POST create, PUT update, PATCH patch, DELETE of an object delete, of a
 * collection deletecollection.
 *
 * @param scope    {@link #CLUSTER} or a namespace
 * @param group    "" for the core group
 * @param resource e.g. {@code pods}, {@code pods/eviction}
 */
record ApiAccess(String scope, String group, String resource, String verb) implements Comparable<ApiAccess> {
  static final String CLUSTER = "*";
  private static final Comparator<ApiAccess> ORDER = Comparator.comparing(ApiAccess::scope)
      .thenComparing(ApiAccess::group).thenComparing(ApiAccess::resource).thenComparing(ApiAccess::verb);
  /** Paths every authenticated identity may GET (system:discovery, system:public-info-viewer): no rule needed. */
  static final Set<String> OPEN_PATHS = Set.of("/version", "/version/", "/api", "/apis", "/healthz", "/livez", "/readyz");

  /** A request that is no resource request: a path outside /api and /apis (e.g. /version), or discovery of them. */
  record NonResource(String verb, String path) {}

  /** The access a request asks for; null for a non-resource request (see {@link #nonResource}). */
  static ApiAccess of(String method, String pathAndQuery) {
    String path = pathOf(pathAndQuery);
    List<String> parts = List.of(path.replaceAll("^/+|/+$", "").split("/"));
    int rest;
    String group;
    if (parts.size() >= 3 && parts.get(0).equals("api")) {
      group = "";
      rest = 2;
    } else if (parts.size() >= 4 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      rest = 3;
    } else {
      return null;
    }
    List<String> r = parts.subList(rest, parts.size());
    boolean watchPath = !r.isEmpty() && r.get(0).equals("watch"); // the old /api/v1/watch/... form
    if (watchPath) {
      r = r.subList(1, r.size());
    }
    String scope = CLUSTER;
    if (r.size() >= 3 && r.get(0).equals("namespaces")) {
      scope = r.get(1);
      r = r.subList(2, r.size());
    }
    String resource = r.get(0);
    String name = r.size() >= 2 ? r.get(1) : null;
    String sub = r.size() >= 3 ? r.get(2) : null;
    if (resource.equals("namespaces") && name != null) {
      scope = name; // a namespace object is "in" itself for RBAC
    }
    boolean watch = watchPath || "true".equals(query(pathAndQuery).get("watch")) || "1".equals(query(pathAndQuery).get("watch"));
    String verb = switch (method) {
      case "GET", "HEAD" -> watch ? "watch" : name == null ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name == null ? "deletecollection" : "delete";
      default -> method.toLowerCase(java.util.Locale.ROOT);
    };
    return new ApiAccess(scope, group, sub == null ? resource : resource + "/" + sub, verb);
  }

  static NonResource nonResource(String method, String pathAndQuery) {
    return of(method, pathAndQuery) != null ? null
        : new NonResource(method.equals("HEAD") ? "get" : method.toLowerCase(java.util.Locale.ROOT), pathOf(pathAndQuery));
  }

  /** Scope first, then group, resource and verb: the order a printed diff reads best in. */
  @Override
  public int compareTo(ApiAccess o) {
    return ORDER.compare(this, o);
  }

  /** As a Role's rule would say it: "in kube-node-lease: coordination.k8s.io leases list". */
  @Override
  public String toString() {
    return (scope.equals(CLUSTER) ? "cluster-wide" : "in " + scope) + ": " + (group.isEmpty() ? "\"\"" : group) + " "
        + resource + " " + verb;
  }

  ApiAccess in(String otherScope) {
    return new ApiAccess(otherScope, group, resource, verb);
  }

  private static String pathOf(String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
  }

  private static Map<String, String> query(String pathAndQuery) {
    Map<String, String> out = new HashMap<>();
    int q = pathAndQuery.indexOf('?');
    if (q < 0) {
      return out;
    }
    for (String pair : pathAndQuery.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }
}
