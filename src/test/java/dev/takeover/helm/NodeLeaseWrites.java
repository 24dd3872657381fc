package dev.takeover.helm;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The writes of Leases in kube-node-lease that the simulated API server took, each as admission sees it: the Lease
 * written ({@code object}) and the one it replaced ({@code oldObject}, read just before; none on create). The
 * simulated API server enforces no admission policy; these let a test put the writes to the chart's.
 */
final class NodeLeaseWrites {
  static final String NAMESPACE = "kube-node-lease";

  /** One write that succeeded; {@code operation} as admission names it (a patch is an UPDATE). */
  record Write(String operation, String name, Map<String, Object> object, Map<String, Object> oldObject) {
    AdmissionPolicy.Request by(String username, List<String> groups) {
      return new AdmissionPolicy.Request(operation, "coordination.k8s.io", "v1", "leases", NAMESPACE, name, username,
          groups, object, oldObject);
    }

    @Override
    public String toString() {
      return operation + " " + name;
    }
  }

  private final List<Write> writes = new CopyOnWriteArrayList<>();

  /**
   * Serves {@code request} through {@code next} if it writes a Lease in kube-node-lease, and records it if it was
   * taken; null (not served) for any other request.
   */
  MockResponse serve(RecordedRequest request, Dispatcher next) {
    ApiAccess access = ApiAccess.of(request.getMethod(), request.getPath());
    if (access == null || !NAMESPACE.equals(access.scope()) || !"leases".equals(access.resource())
        || !List.of("create", "update", "patch").contains(access.verb())) {
      return null;
    }
    Map<String, Object> before = access.verb().equals("create") ? null : read(request, next);
    String body = utf8(request.getBody()); // getUtf8Body() would consume it before the server reads it
    MockResponse response = next.dispatch(request);
    if (response.code() / 100 == 2) {
      // The object admitted: the request's for create and update (the server adds only its own fields); a patch's
      // is the merge, which the server answers with.
      Map<String, Object> written = AdmissionPolicy.json(access.verb().equals("patch") ? utf8(response.getBody()) : body);
      String name = (String) ((Map<?, ?>) written.get("metadata")).get("name");
      writes.add(new Write(access.verb().equals("create") ? "CREATE" : "UPDATE", name, written, before));
    }
    return response;
  }

  List<Write> all() {
    return List.copyOf(writes);
  }

  /** The Lease as it is now (as the server's admission reads it before an update), or null. */
  private static Map<String, Object> read(RecordedRequest r, Dispatcher next) {
    String path = r.getPath().replaceAll("\\?.*$", "");
    MockResponse current = next.dispatch(new RecordedRequest(r.getHttpVersion(), HttpMethod.GET, path,
        r.getHeaders().newBuilder().removeAll("Authorization").build(), new Buffer(new byte[0])));
    return current.code() == 200 ? AdmissionPolicy.json(utf8(current.getBody())) : null;
  }

  /** Buffer.getBytes() leaves the body to be read again; its read methods consume it. */
  private static String utf8(Buffer body) {
    return new String(body.getBytes(), StandardCharsets.UTF_8);
  }
}
