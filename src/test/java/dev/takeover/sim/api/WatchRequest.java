package dev.takeover.sim.api;

import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.HttpUrl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of one watch request ({@code GET COLLECTION?watch=true&...}), checked as the API server's
 * ListOptions validation checks them (k8s.io/apimachinery .../internalversion/validation, v1.32: a 422 Invalid
 * Status naming each refused field).
 *
 * @param plural          the resource, e.g. pods
 * @param apiVersion      v1 or GROUP/VERSION, for the BOOKMARK objects
 * @param query           the attributes an object must match: collection, namespace, name, field and label selectors
 *                        (parsed as the mock parses a list's, so that a watch selects what the same list selects)
 * @param resourceVersion null when absent
 * @param timeoutSeconds  null when absent (then the watch lasts until a side closes it)
 * @param sendInitialEvents null when absent
 */
record WatchRequest(String plural, String apiVersion, AttributeSet query, String resourceVersion,
                    boolean allowWatchBookmarks, Long timeoutSeconds, Boolean sendInitialEvents) {
  /** Go's strconv.ParseBool, which the API server's query decoding uses. */
  private static final Set<String> TRUE = Set.of("1", "t", "T", "TRUE", "true", "True");
  private static final Set<String> FALSE = Set.of("0", "f", "F", "FALSE", "false", "False");

  static boolean isWatch(String path) {
    HttpUrl url = url(path);
    return url != null && TRUE.contains(String.valueOf(url.queryParameter("watch")));
  }

  /** Throws {@link ApiError} (422, or 400 for a value that is no number or boolean) for what the server refuses. */
  static WatchRequest parse(String path, KubernetesAttributesExtractor extractor) {
    HttpUrl url = url(path);
    Map<String, String> fromPath = extractor.fromKubernetesPath(path);
    String plural = fromPath.get(KubernetesAttributesExtractor.PLURAL);
    String version = fromPath.get(KubernetesAttributesExtractor.VERSION);
    String group = fromPath.get(KubernetesAttributesExtractor.API);
    String match = url.queryParameter("resourceVersionMatch");
    Boolean sendInitialEvents = bool(url, "sendInitialEvents");
    List<String[]> refused = new ArrayList<>();
    if (sendInitialEvents != null && !"NotOlderThan".equals(match)) {
      refused.add(new String[] {"resourceVersionMatch", "FieldValueForbidden",
          "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"});
    }
    if (match != null && !match.isEmpty()) {
      if (sendInitialEvents == null) {
        refused.add(new String[] {"resourceVersionMatch", "FieldValueForbidden",
            "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"});
      }
      if (!"NotOlderThan".equals(match)) {
        refused.add(new String[] {"resourceVersionMatch", "FieldValueNotSupported",
            "Unsupported value: \"" + match + "\": supported values: \"NotOlderThan\""});
      }
    }
    if (!refused.isEmpty()) {
      throw new ApiError(invalid(refused));
    }
    String resourceVersion = url.queryParameter("resourceVersion");
    if (resourceVersion != null && !resourceVersion.isEmpty() && !resourceVersion.matches("[0-9]{1,18}")) {
      throw new ApiError(Statuses.badRequest("resourceVersion: Invalid value: \"" + resourceVersion
          + "\": strconv.ParseUint: parsing \"" + resourceVersion + "\": invalid syntax"));
    }
    String timeout = url.queryParameter("timeoutSeconds");
    Long timeoutSeconds;
    try {
      timeoutSeconds = timeout == null || timeout.isEmpty() ? null : Long.valueOf(timeout);
    } catch (NumberFormatException e) {
      throw new ApiError(Statuses.badRequest("invalid timeoutSeconds: " + timeout));
    }
    return new WatchRequest(plural, group == null ? version : group + "/" + version, extractor.fromPath(path),
        resourceVersion, Boolean.TRUE.equals(bool(url, "allowWatchBookmarks")), timeoutSeconds,
        sendInitialEvents);
  }

  /** No resourceVersion, or an empty one: "the most recent" (what the RequestWatchProgress fault refuses). */
  boolean withoutResourceVersion() {
    return resourceVersion == null || resourceVersion.isEmpty();
  }

  /** Absent, empty or "0": start from the current state. */
  boolean fromAnyVersion() {
    return withoutResourceVersion() || "0".equals(resourceVersion);
  }

  /** Whether the BOOKMARK that ends the initial events is due (a real server sends it only when both are asked). */
  boolean wantsInitialEventsEnd() {
    return Boolean.TRUE.equals(sendInitialEvents) && allowWatchBookmarks;
  }

  private static Boolean bool(HttpUrl url, String name) {
    String value = url.queryParameter(name);
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (TRUE.contains(value)) {
      return Boolean.TRUE;
    }
    if (FALSE.contains(value)) {
      return Boolean.FALSE;
    }
    throw new ApiError(Statuses.badRequest("invalid " + name + ": " + value));
  }

  /** As apierrors.NewInvalid(ListOptions.meta.k8s.io, "", errs) renders it. */
  private static io.fabric8.mockwebserver.http.MockResponse invalid(List<String[]> refused) {
    List<String> errors = new ArrayList<>();
    List<Map<String, Object>> causes = new ArrayList<>();
    for (String[] r : refused) {
      errors.add(r[0] + ": " + r[2]);
      Map<String, Object> cause = new LinkedHashMap<>();
      cause.put("reason", r[1]);
      cause.put("message", r[2]);
      cause.put("field", r[0]);
      causes.add(cause);
    }
    String all = errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]";
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("group", "meta.k8s.io");
    details.put("kind", "ListOptions");
    details.put("causes", causes);
    return Statuses.failure(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: " + all, details);
  }

  private static HttpUrl url(String path) {
    return HttpUrl.parse("http://localhost" + (path.startsWith("/") ? path : "/" + path));
  }
}
