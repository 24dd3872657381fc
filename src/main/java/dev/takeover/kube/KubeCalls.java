package dev.takeover.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.net.URI;
import java.util.concurrent.Callable;

/**
 * How Takeover talks to the API server without blocking an event loop: fabric8's blocking DSL runs on one
 * sized worker pool ({@value #POOL}); requests whose answers we must read in full (eviction: 429 bodies and
 * Retry-After) go through fabric8's asynchronous HTTP client, with fabric8's own retries off.
 */
public final class KubeCalls implements AutoCloseable {
  public static final String POOL = "kubernetes-ops-pool";

  private final Vertx vertx;
  private final KubernetesClient client;
  private final KubernetesClient noRetryClient;
  private final WorkerExecutor pool;

  /**
   * @param client        the client for ordinary calls (fabric8 retries transient failures)
   * @param noRetryClient a client on the same configuration with {@code requestRetryBackoffLimit = 0}: an eviction
   *                      refused by a PodDisruptionBudget must come back to us at once, not after fabric8's
   *                      silent ~19 s of retries, so that we back off on our own terms and report each refusal
   */
  public KubeCalls(Vertx vertx, KubernetesClient client, KubernetesClient noRetryClient, int workers) {
    this.vertx = vertx;
    this.client = client;
    this.noRetryClient = noRetryClient;
    this.pool = vertx.createSharedWorkerExecutor(POOL, workers);
  }

  public KubernetesClient client() {
    return client;
  }

  /** The client without fabric8's retries: for calls whose failure we handle on our own terms. */
  public KubernetesClient noRetryClient() {
    return noRetryClient;
  }

  /** Runs a blocking fabric8 call on the worker pool; a failure names what was attempted, in one line. */
  public <T> Future<T> blocking(String what, Callable<T> call) {
    return pool.<T>executeBlocking(call, false)
        .recover(e -> Future.failedFuture(new KubeFailure(what, e)));
  }

  /**
   * Sends a request with a JSON body through the asynchronous HTTP client, without fabric8's retries.
   * Completes with the answer whatever its status code; fails only when no answer came.
   */
  public Future<HttpResponse<String>> send(String method, String apiPath, String jsonBody, String what) {
    HttpClient http = noRetryClient.getHttpClient();
    URI uri = URI.create(stripSlash(client.getMasterUrl().toString()) + apiPath);
    HttpRequest.Builder b = http.newHttpRequestBuilder().uri(uri).header("Accept", "application/json");
    HttpRequest request = switch (method) {
      case "GET" -> b.build();
      case "POST" -> b.post("application/json", jsonBody).build();
      case "DELETE" -> b.delete("application/json", jsonBody).build();
      default -> throw new IllegalArgumentException(method);
    };
    Context context = vertx.getOrCreateContext();
    return Future.fromCompletionStage(http.sendAsync(request, String.class), context)
        .recover(e -> Future.failedFuture(new KubeFailure(what, e)));
  }

  /**
   * Asks the API server for its version once, without retries: any HTTP answer means it can be reached (even 401
   * or 404); only a transport failure fails. The command line says so in a second rather than after fabric8's
   * retries.
   */
  public Future<Integer> reach() {
    return send("GET", "/version", null, "reach the API server").map(HttpResponse::code);
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /**
   * Lists a scope once, without fabric8's retries (the list-watch lists again on its own schedule), on the worker
   * pool; the list carries the resourceVersion to watch from.
   */
  public <T extends io.fabric8.kubernetes.api.model.HasMetadata> Future<io.fabric8.kubernetes.api.model.KubernetesResourceList<T>> list(
      WatchScope<T> scope) {
    io.fabric8.kubernetes.api.model.ListOptions options = new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
        .withFieldSelector(scope.fieldSelector()).withLabelSelector(scope.labelSelector()).build();
    return blocking("list " + scope.what(), () -> scope.namespace() == null
        ? noRetryClient.resources(scope.type()).inAnyNamespace().list(options)
        : noRetryClient.resources(scope.type()).inNamespace(scope.namespace()).list(options));
  }

  /** Opens one watch request ({@code apiPath} with its query) on a websocket; see {@link WatchConnection}. */
  Future<WatchConnection> watch(String apiPath, Context context, WatchConnection.Handler handler) {
    URI uri = URI.create(stripSlash(client.getMasterUrl().toString()) + apiPath);
    return WatchConnection.open(noRetryClient.getHttpClient(), uri, context, handler);
  }

  /** fabric8's (de)serialization, for objects read off a watch. */
  public io.fabric8.kubernetes.client.utils.KubernetesSerialization serialization() {
    return client.getKubernetesSerialization();
  }

  /** HTTP status of a fabric8 failure, or 0 when there was no answer. */
  public static int statusOf(Throwable e) {
    Throwable t = e instanceof KubeFailure kf ? kf.getCause() : e;
    return t instanceof KubernetesClientException kce ? kce.getCode() : 0;
  }

  @Override
  public void close() {
    pool.close();
  }
}
