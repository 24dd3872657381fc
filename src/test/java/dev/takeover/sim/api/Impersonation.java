package dev.takeover.sim.api;

import dev.takeover.sim.api.RbacAuthorizer.Decision;
import dev.takeover.sim.api.RbacAuthorizer.User;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Impersonation, authorized by RBAC, as kube-apiserver's filters do it (k8s.io/apiserver/pkg/endpoints/filters:
 * impersonation.go, then authorization.go). The simulator authenticates nobody: a request is its administrator's
 * (as a kubeconfig of system:masters is) and is let through, unless it carries {@code Impersonate-User}. Then it is
 * that user's: a ServiceAccount's user name ({@code system:serviceaccount:NS:NAME}) is in the groups
 * {@code system:serviceaccounts} and {@code system:serviceaccounts:NS} unless {@code Impersonate-Group} names others;
 * every user but system:anonymous is in {@code system:authenticated}. The administrator may impersonate anyone, so
 * only the impersonated user's own rights are checked, by {@link RbacAuthorizer}; a denial is the server's 403
 * (responsewriters.Forbidden, errors.go, and apierrors.NewForbidden):
 * <pre>
 * {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
 *  "message":"pods \"mysql-0\" is forbidden: User \"system:serviceaccount:takeover:takeover\" cannot delete resource
 *  \"pods\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"name":"mysql-0","kind":"pods"},
 *  "code":403}
 * </pre>
 */
final class Impersonation {
  static final String USER_HEADER = "Impersonate-User";
  static final String GROUP_HEADER = "Impersonate-Group";
  private static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";
  private static final String ANONYMOUS = "system:anonymous";

  private final RbacAuthorizer rbac;

  Impersonation(SimStore store) {
    this.rbac = new RbacAuthorizer(store);
  }

  /** Null when the request goes on to be served; else the answer it gets instead (403, or 400 for bad headers). */
  MockResponse refuse(RecordedRequest request) {
    Map<String, List<String>> headers = impersonationHeaders(request);
    List<String> users = headers.getOrDefault(USER_HEADER.toLowerCase(Locale.ROOT), List.of());
    String name = users.isEmpty() ? "" : users.get(0);
    List<String> groups = headers.getOrDefault(GROUP_HEADER.toLowerCase(Locale.ROOT), List.of());
    if (name.isEmpty()) {
      if (!headers.isEmpty()) {
        // buildImpersonationRequests: groups, extras or a uid without a user
        List<String> asked = new ArrayList<>();
        groups.forEach(g -> asked.add("{Group  " + g + "    }"));
        return Statuses.badRequest("requested " + asked.toString().replace(", ", " ") + " without impersonating a user");
      }
      return null;
    }
    User user = user(name, groups);
    RequestAttributes attributes = RequestAttributes.of(request.getMethod(), request.getPath());
    Decision decision = rbac.authorize(user, attributes);
    return decision.allowed() ? null : forbidden(user, attributes, decision.reason());
  }

  /** The user as impersonation.go makes it: a ServiceAccount's fixed groups, then system:authenticated. */
  static User user(String name, List<String> asked) {
    List<String> groups = new ArrayList<>(asked);
    if (name.startsWith(SERVICE_ACCOUNT_PREFIX) && asked.isEmpty()) {
      String[] nsAndName = name.substring(SERVICE_ACCOUNT_PREFIX.length()).split(":", -1);
      if (nsAndName.length == 2 && !nsAndName[0].isEmpty() && !nsAndName[1].isEmpty()) {
        groups.add("system:serviceaccounts");
        groups.add("system:serviceaccounts:" + nsAndName[0]);
      }
    }
    if (!name.equals(ANONYMOUS)) {
      if (!groups.contains(RbacAuthorizer.AUTHENTICATED) && !groups.contains("system:unauthenticated")) {
        groups.add(RbacAuthorizer.AUTHENTICATED);
      }
    } else if (!groups.contains("system:unauthenticated")) {
      groups.add("system:unauthenticated");
    }
    return new User(name, List.copyOf(groups));
  }

  /** The 403 Status of responsewriters.Forbidden, in a v1.32 server's key order. */
  static MockResponse forbidden(User user, RequestAttributes a, String reason) {
    String message = sanitize(forbiddenMessage(user, a)) + (reason.isEmpty() ? "" : ": " + reason);
    Map<String, Object> details = new LinkedHashMap<>();
    String qualified = "";
    if (a.resourceRequest()) {
      qualified = a.apiGroup().isEmpty() ? a.resource() : a.resource() + "." + a.apiGroup();
      if (!a.name().isEmpty()) {
        details.put("name", a.name());
      }
      if (!a.apiGroup().isEmpty()) {
        details.put("group", a.apiGroup());
      }
      details.put("kind", a.resource());
    }
    String full = qualified.isEmpty() ? "forbidden: " + message
        : a.name().isEmpty() ? qualified + " is forbidden: " + message
        : qualified + " \"" + a.name() + "\" is forbidden: " + message;
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", "Status");
    body.put("apiVersion", "v1");
    body.put("metadata", Map.of());
    body.put("status", "Failure");
    body.put("message", full);
    body.put("reason", "Forbidden");
    body.put("details", details); // {} for a path: NewForbidden always sets details, its fields are omitempty
    body.put("code", 403);
    return Statuses.json(403, Serialization.asJson(body)).setHeader("X-Content-Type-Options", "nosniff");
  }

  /** forbiddenMessage (errors.go). */
  private static String forbiddenMessage(User user, RequestAttributes a) {
    String who = "User \"" + user.name() + "\" cannot " + a.verb();
    if (!a.resourceRequest()) {
      return who + " path \"" + a.path() + "\"";
    }
    String what = " resource \"" + a.combinedResource() + "\" in API group \"" + a.apiGroup() + "\"";
    return who + what + (a.namespace().isEmpty() ? " at the cluster scope" : " in the namespace \"" + a.namespace() + "\"");
  }

  /** "Avoid emitting errors that look like valid HTML. Quotes are okay." */
  private static String sanitize(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** Impersonate-* headers by lower-case name (HTTP header names are case-insensitive), each with all its values. */
  private static Map<String, List<String>> impersonationHeaders(RecordedRequest request) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    request.getHeaders().toMultimap().forEach((k, values) -> {
      String key = k.toLowerCase(Locale.ROOT);
      if (key.startsWith("impersonate-")) {
        out.computeIfAbsent(key, x -> new ArrayList<>()).addAll(values);
      }
    });
    return out;
  }
}
