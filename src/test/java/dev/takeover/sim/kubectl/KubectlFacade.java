package dev.takeover.sim.kubectl;

import dev.takeover.sim.RequestHook;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What a stock kubectl needs from the simulated API server beyond its JSON CRUD: the discovery documents, the
 * version, Tables for lists and gets ({@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}), JSON for
 * clients that prefer protobuf (the real server falls back to JSON the same way), and the strategic merge patch
 * of {@code kubectl cordon}/{@code uncordon}. Everything else is let through (null).
 *
 * <p>Install it as the first hook of the simulator's dispatcher; {@code next} is the rest of the simulator.
 */
public final class KubectlFacade implements RequestHook {
  private static final Logger LOG = Logger.getLogger(KubectlFacade.class.getName());
  private static final String JSON = "application/json";
  private static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
  private static final String MERGE_PATCH = "application/merge-patch+json";

  private final Discovery discovery;
  private final TableConverter tables;
  private final String version;

  /** A facade whose ages are measured with {@code clock} (the simulator's clock). */
  public KubectlFacade(Clock clock) {
    this.discovery = new Discovery();
    this.tables = new TableConverter(clock);
    this.version = SimResources.text("version.json");
  }

  public KubectlFacade() {
    this(Clock.systemUTC());
  }

  @Override
  public MockResponse handle(RecordedRequest request, Dispatcher next) {
    try {
      return answer(request, next);
    } catch (RuntimeException e) {
      // An exception here would leave the client without an answer until it times out: fail loudly instead.
      LOG.log(Level.SEVERE, "kubectl facade failed on " + request, e);
      JsonObject status = new JsonObject().put("kind", "Status").put("apiVersion", "v1")
          .put("metadata", new JsonObject()).put("status", "Failure")
          .put("message", "simulated API server (kubectl facade) failed on " + request + ": " + e)
          .put("reason", "InternalError").put("code", 500);
      return respond(500, JSON, status.encode());
    }
  }

  private MockResponse answer(RecordedRequest request, Dispatcher next) {
    String rawPath = request.getPath();
    String path = rawPath.contains("?") ? rawPath.substring(0, rawPath.indexOf('?')) : rawPath;
    Accept accept = Accept.parse(request.getHeader("Accept"));
    if (request.method() == HttpMethod.GET) {
      if (path.equals("/version")) {
        return respond(200, JSON, version);
      }
      Optional<Discovery.Answer> answer = discovery.answer(path, accept, serverAddress(request));
      if (answer.isPresent()) {
        return respond(200, answer.get().contentType(), answer.get().body().encode());
      }
      Optional<ApiPath> target = ApiPath.parse(rawPath);
      Optional<String> tableVersion = accept.tableVersion();
      if (target.isPresent() && tableVersion.isPresent() && !target.get().isWatch()
          && target.get().subresource().isEmpty()) {
        return table(request, next, target.get(), tableVersion.get());
      }
    }
    if (request.method() == HttpMethod.PATCH && isSimpleStrategicMergePatch(request)) {
      return asJson(next.dispatch(withHeader(request, "Content-Type", MERGE_PATCH)));
    }
    if (accept.mentionsProtobuf()) {
      return forTypedClient(next.dispatch(withHeader(request, "Accept", JSON)), ApiPath.parse(rawPath));
    }
    return null;
  }

  /**
   * The JSON answer for a client-go typed client (kubectl's describe, drain): it asked for protobuf, so it is
   * told the answer is JSON; and a list must carry its own kind, {@code PodList} rather than the mock's
   * {@code List}, or the typed client decodes it into an empty list without an error.
   */
  private MockResponse forTypedClient(MockResponse response, Optional<ApiPath> target) {
    asJson(response);
    if (response.code() != 200 || response.getBody() == null || target.isEmpty() || !target.get().name().isEmpty()
        || target.get().isWatch()) {
      return response;
    }
    ApiPath path = target.get();
    Optional<String> kind = discovery.kind(path.group(), path.version(), path.resource());
    JsonObject body;
    try {
      body = new JsonObject(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException e) {
      return response;
    }
    if (kind.isEmpty() || !"List".equals(body.getString("kind"))) {
      return response;
    }
    body.put("kind", kind.get() + "List")
        .put("apiVersion", path.group().isEmpty() ? path.version() : path.group() + "/" + path.version());
    return response.setBody(body.encode());
  }

  /** Lists or gets the JSON from the simulator, with the same query (selectors, limit), and prints it. */
  private MockResponse table(RecordedRequest request, Dispatcher next, ApiPath target, String tableVersion) {
    MockResponse response = next.dispatch(withHeader(request, "Accept", JSON));
    if (response.code() != 200 || response.getBody() == null || response.getWebSocketListener() != null) {
      return asJson(response);
    }
    JsonObject body;
    try {
      body = new JsonObject(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException e) {
      return asJson(response); // not an object: nothing to print
    }
    return respond(200, JSON, tables.convert(target, body, tableVersion).encode());
  }

  /**
   * A strategic merge patch without lists or {@code $} directives means what the same JSON means as a merge
   * patch, which the simulator applies: that is all {@code kubectl cordon} and {@code uncordon} send
   * ({@code {"spec":{"unschedulable":true}}}, {@code …null}).
   */
  private static boolean isSimpleStrategicMergePatch(RecordedRequest request) {
    String contentType = request.getHeader("Content-Type");
    if (contentType == null || !contentType.startsWith(STRATEGIC_MERGE_PATCH) || request.getBody() == null) {
      return false;
    }
    try {
      return isPlainMerge(new JsonObject(new String(request.getBody().getBytes(), StandardCharsets.UTF_8)));
    } catch (DecodeException | ClassCastException e) {
      return false;
    }
  }

  private static boolean isPlainMerge(JsonObject patch) {
    for (String key : patch.fieldNames()) {
      Object value = patch.getValue(key);
      if (key.startsWith("$") || value instanceof JsonArray
          || value instanceof JsonObject nested && !isPlainMerge(nested)) {
        return false;
      }
    }
    return true;
  }

  /** The simulator's answers carry no Content-Type; a client that asked for protobuf must be told it is JSON. */
  private static MockResponse asJson(MockResponse response) {
    if (response.getWebSocketListener() == null && response.header("Content-Type") == null) {
      response.setHeader("Content-Type", JSON);
    }
    return response;
  }

  private static RecordedRequest withHeader(RecordedRequest request, String name, String value) {
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
    return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(),
        request.getHeaders().newBuilder().set(name, value).build(), new Buffer(body));
  }

  private static String serverAddress(RecordedRequest request) {
    String host = request.getHeader("Host");
    return host == null ? "127.0.0.1:6443" : host;
  }

  private static MockResponse respond(int code, String contentType, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", contentType).setBody(body);
  }
}
