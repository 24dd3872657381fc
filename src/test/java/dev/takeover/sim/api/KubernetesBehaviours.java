package dev.takeover.sim.api;

import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.HttpUrl;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a real API server does and the CRUD mock does not (see shared/DEPENDENCIES.md): eviction, binding, graceful
 * pod deletion, create-time defaults, field selector validation, strategic merge patches of maps, watches
 * ({@link Watches}); everything else goes to the {@link SimStore}.
 */
final class KubernetesBehaviours extends Dispatcher {
  private static final String NS = "/api/v1/namespaces/([^/]+)";
  private static final String QUERY = "(\\?.*)?$";
  private static final Pattern EVICTION = Pattern.compile("^" + NS + "/pods/([^/?]+)/eviction" + QUERY);
  private static final Pattern POD_BINDING = Pattern.compile("^" + NS + "/pods/([^/?]+)/binding" + QUERY);
  private static final Pattern BINDINGS = Pattern.compile("^" + NS + "/bindings" + QUERY);
  private static final Pattern POD = Pattern.compile("^" + NS + "/pods/([^/?]+)" + QUERY);
  private static final Pattern PODS = Pattern.compile("^" + NS + "/pods" + QUERY);
  private static final Pattern ANY_PODS = Pattern.compile("^/api/v1/(namespaces/[^/]+/)?pods" + QUERY);
  private static final Pattern POD_OR_STATUS = Pattern.compile("^" + NS + "/pods/([^/?]+)(/status)?" + QUERY);
  private static final Pattern NAMESPACE = Pattern.compile("^" + NS + QUERY);
  private static final Pattern NODE = Pattern.compile("^/api/v1/nodes/[^/?]+" + QUERY);
  /** A collection: /api/v1/[namespaces/NS/]PLURAL or /apis/GROUP/VERSION/[namespaces/NS/]PLURAL. */
  private static final Pattern COLLECTION =
      Pattern.compile("^/api(s/[^/]+)?/[^/]+(/namespaces/[^/]+)?/([^/?]+)" + QUERY);
  private static final String VERSION = "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.13-takeover-sim\","
      + "\"gitCommit\":\"\",\"gitTreeState\":\"\",\"buildDate\":\"1970-01-01T00:00:00Z\",\"goVersion\":\"go1.23.5\","
      + "\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}";

  private final SimStore store;
  private final PodDeletion podDeletion;
  private final Evictions evictions;
  private final Bindings bindings;
  private final TerminatingPodWrites terminatingPodWrites;
  private final Creations creations;
  private final NamespaceDeletion namespaceDeletion;
  private final Watches watches;

  KubernetesBehaviours(SimStore store, Watches watches) {
    this.store = store;
    this.watches = watches;
    this.podDeletion = new PodDeletion(store);
    this.evictions = new Evictions(store, podDeletion);
    this.bindings = new Bindings(store);
    this.terminatingPodWrites = new TerminatingPodWrites(store);
    this.creations = new Creations(store);
    this.namespaceDeletion = new NamespaceDeletion(store);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    MockResponse response;
    try {
      response = route(request);
    } catch (ApiError e) {
      response = e.response();
    }
    if ("PATCH".equals(request.getMethod()) && response.code() == 202) {
      response.setResponseCode(200); // the mock answers 202 to a patch, a real server 200
    }
    if (response.getWebSocketListener() == null && response.getHeaders().get("Content-Type") == null) {
      response.setHeader("Content-Type", "application/json");
    }
    return response;
  }

  private MockResponse route(RecordedRequest request) {
    String path = request.getPath();
    String method = request.getMethod();
    String rawPath = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    if ("GET".equals(method) && rawPath.equals("/version")) {
      return Statuses.json(200, VERSION);
    }
    if (!rawPath.startsWith("/api/") && !rawPath.startsWith("/apis/")) {
      // the mock would answer with every object it holds: a real server has no such path
      return Statuses.failure(404, "NotFound", "the server could not find the requested resource", null);
    }
    Matcher m;
    switch (method) {
      case "POST":
        if ((m = EVICTION.matcher(path)).matches()) {
          return evictions.evict(m.group(1), m.group(2), body(request));
        }
        if ((m = POD_BINDING.matcher(path)).matches()) {
          return bindings.bind(m.group(1), m.group(2), body(request));
        }
        if ((m = BINDINGS.matcher(path)).matches()) {
          return bindings.bind(m.group(1), null, body(request));
        }
        if ((m = COLLECTION.matcher(path)).matches()) {
          String defaulted = CreateDefaults.apply(body(request));
          MockResponse created = creations.create(path, defaulted, m.group(3));
          return created != null ? created : store.dispatch(withBody(request, defaulted, null));
        }
        break;
      case "DELETE":
        if ((m = POD.matcher(path)).matches()) {
          return podDeletion.delete(m.group(1), m.group(2), DeleteRequest.options(request));
        }
        if ((m = PODS.matcher(path)).matches()) {
          return deletePods(m.group(1), path, DeleteRequest.options(request));
        }
        if ((m = NAMESPACE.matcher(path)).matches()) {
          MockResponse marked = namespaceDeletion.delete(m.group(1));
          if (marked != null) {
            return marked;
          }
        }
        break;
      case "GET":
        if (ANY_PODS.matcher(path).matches()) {
          MockResponse refused = unsupportedPodField(path);
          if (refused != null) {
            return refused;
          }
        }
        MockResponse watch = watches.handle(request); // never the mock's: see Watches
        if (watch != null) {
          return watch;
        }
        break;
      case "PUT":
        if ((m = POD_OR_STATUS.matcher(path)).matches()) {
          MockResponse done = terminatingPodWrites.put(m.group(1), m.group(2), m.group(3) != null, body(request));
          if (done != null) {
            return done;
          }
        }
        break;
      case "PATCH":
        String type = request.getHeader("Content-Type");
        boolean strategic = type != null && type.startsWith("application/strategic-merge-patch+json");
        if (strategic && !StrategicMergePatch.isEquivalentToMergePatch(body(request), NODE.matcher(path).matches())) {
          return Statuses.failure(415, "UnsupportedMediaType", "the simulated API server applies strategic merge "
              + "patches only when they contain no lists and no directives", null);
        }
        if ((m = POD_OR_STATUS.matcher(path)).matches()) {
          boolean jsonPatch = type == null || type.startsWith("application/json-patch+json");
          MockResponse done = terminatingPodWrites.patch(m.group(1), m.group(2), m.group(3) != null, body(request), jsonPatch);
          if (done != null) {
            return done;
          }
        }
        if (strategic) {
          return store.dispatch(withBody(request, body(request), "application/merge-patch+json"));
        }
        break;
      default:
        break;
    }
    return store.dispatch(request);
  }

  /** deletecollection on pods: each pod deleted as one DELETE would (graceful when bound). */
  private MockResponse deletePods(String namespace, String path, DeleteOptions options) {
    String query = path.contains("?") ? path.substring(path.indexOf('?')) : "";
    List<Pod> pods = store.list("/api/v1/namespaces/" + namespace + "/pods" + query, Pod.class);
    List<Object> items = new ArrayList<>();
    for (Pod pod : pods) {
      MockResponse one = podDeletion.delete(namespace, pod.getMetadata().getName(), options);
      if (one.code() == 200) {
        items.add(Serialization.unmarshal(new String(one.getBody().getBytes(), StandardCharsets.UTF_8), Map.class));
      }
    }
    return Statuses.json(200, Serialization.asJson(Map.of("kind", "PodList", "apiVersion", "v1",
        "metadata", Map.of(), "items", items)));
  }

  /** As the real server: 400 "field label not supported: X" for a pod field it does not index (list-pods-bad-field-selector). */
  private static MockResponse unsupportedPodField(String path) {
    HttpUrl url = HttpUrl.parse("http://localhost" + path);
    String selector = url == null ? null : url.queryParameter("fieldSelector");
    if (selector == null || selector.isEmpty()) {
      return null;
    }
    Set<String> supported = FieldIndex.podFields();
    for (String requirement : selector.split(",")) {
      String field = requirement.split("!=|==|=", 2)[0].trim();
      if (!supported.contains(field) && !field.equals("metadata.name") && !field.equals("metadata.namespace")) {
        return Statuses.badRequest("field label not supported: " + field);
      }
    }
    return null;
  }

  static String body(RecordedRequest request) {
    // getBytes(), not readUtf8(): reading would empty the buffer for whoever handles the request next
    return request.getBody() == null ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
  }

  private static RecordedRequest withBody(RecordedRequest request, String body, String contentType) {
    var headers = request.getHeaders().newBuilder();
    if (contentType != null) {
      headers.set("Content-Type", contentType);
    }
    return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(), headers.build(),
        new Buffer(body.getBytes(StandardCharsets.UTF_8)));
  }
}
