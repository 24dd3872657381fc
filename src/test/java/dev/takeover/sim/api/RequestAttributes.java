package dev.takeover.sim.api;

import io.fabric8.mockwebserver.http.HttpUrl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What an authorizer decides on, read from a request as the API server's request-info resolver reads it
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go, v1.32): {@code /api/v1/...} and
 * {@code /apis/GROUP/VERSION/...} with at least a resource are resource requests, anything else (/version, /api,
 * /apis/apps/v1, /healthz) is a non-resource request on its path. GET of a collection is list, or watch when
 * {@code watch} is true (or the old {@code /watch/} path form); GET of an object get; POST create; PUT update;
 * PATCH patch; DELETE of an object delete, of a collection deletecollection. A list or watch whose field selector
 * asks for one {@code metadata.name} is about that name, so that resourceNames rules can allow it.
 *
 * @param namespace   "" when cluster-scoped or across every namespace; a Namespace object is "in" itself
 * @param apiGroup    "" for the core group
 * @param subresource "" when none, e.g. {@code eviction} of {@code pods/NAME/eviction}
 * @param name        "" when none
 * @param path        the path without its query, for non-resource requests
 */
record RequestAttributes(boolean resourceRequest, String verb, String namespace, String apiGroup, String apiVersion,
                         String resource, String subresource, String name, String path) {
  /** The verbs a path can carry before the resource (requestinfo.go's specialVerbs, without proxy). */
  private static final Set<String> PATH_VERBS = Set.of("watch", "proxy");
  /** A Namespace's own subresources: /api/v1/namespaces/NAME/status is the Namespace's, not a resource "status". */
  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

  static RequestAttributes of(String method, String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String httpVerb = method.toLowerCase(Locale.ROOT);
    List<String> parts = split(path);
    RequestAttributes nonResource = new RequestAttributes(false, httpVerb, "", "", "", "", "", "", path);
    if (parts.size() < 3 || !(parts.get(0).equals("api") || parts.get(0).equals("apis"))) {
      return nonResource;
    }
    String group = "";
    boolean grouped = parts.get(0).equals("apis");
    parts = parts.subList(1, parts.size());
    if (grouped) {
      if (parts.size() < 3) {
        return nonResource; // /apis/GROUP/VERSION: discovery
      }
      group = parts.get(0);
      parts = parts.subList(1, parts.size());
    }
    String version = parts.get(0);
    parts = parts.subList(1, parts.size());
    String verb;
    if (PATH_VERBS.contains(parts.get(0))) {
      if (parts.size() < 2) {
        return nonResource;
      }
      verb = parts.get(0);
      parts = parts.subList(1, parts.size());
    } else {
      verb = switch (method) {
        case "POST" -> "create";
        case "GET", "HEAD" -> "get";
        case "PUT" -> "update";
        case "PATCH" -> "patch";
        case "DELETE" -> "delete";
        default -> "";
      };
    }
    String namespace = "";
    if (parts.get(0).equals("namespaces") && parts.size() > 1) {
      namespace = parts.get(1);
      if (parts.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(parts.get(2))) {
        parts = parts.subList(2, parts.size());
      }
    }
    String resource = parts.get(0);
    String name = parts.size() >= 2 ? parts.get(1) : "";
    String subresource = parts.size() >= 3 ? parts.get(2) : "";
    if (name.isEmpty() && verb.equals("get")) {
      verb = WatchRequest.isWatch(pathAndQuery) ? "watch" : "list";
      name = exactName(pathAndQuery);
    }
    if (name.isEmpty() && verb.equals("delete")) {
      verb = "deletecollection";
    }
    return new RequestAttributes(true, verb, namespace, group, version, resource, subresource, name, path);
  }

  /** resource/subresource, as a rule names it (pods/eviction). */
  String combinedResource() {
    return subresource.isEmpty() ? resource : resource + "/" + subresource;
  }

  /** {@code fieldSelector=metadata.name=X} (or ==) as the only requirement on the name: X, else "". */
  private static String exactName(String pathAndQuery) {
    HttpUrl url = HttpUrl.parse("http://localhost" + pathAndQuery);
    String selector = url == null ? null : url.queryParameter("fieldSelector");
    if (selector == null) {
      return "";
    }
    for (String requirement : selector.split(",")) {
      String[] kv = requirement.split("==|=", 2);
      if (kv.length == 2 && !requirement.contains("!=") && kv[0].trim().equals("metadata.name")) {
        return kv[1].trim();
      }
    }
    return "";
  }

  private static List<String> split(String path) {
    List<String> out = new ArrayList<>(Arrays.asList(path.replaceAll("^/+|/+$", "").split("/")));
    out.removeIf(String::isEmpty);
    return out;
  }
}
