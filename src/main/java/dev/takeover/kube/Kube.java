package dev.takeover.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;

/**
 * The Kubernetes helpers, one per kind, bundled so the engine gets them in one argument (and a test could
 * swap one). Built on the daemon's own Vert.x instance: fabric8's HTTP client shares its event loops.
 */
public final class Kube implements AutoCloseable {
  private final Vertx vertx;
  private final KubernetesClient client;
  private final KubernetesClient noRetryClient;
  private final KubeCalls calls;
  public final NodeOps nodes;
  public final PodOps pods;
  public final StorageOps storage;
  public final BudgetOps budgets;
  public final EventOps events;
  public final LeaseOps leases;
  /** Who this process is, to the cluster: Events' reporting instance, the holder of the Leases it takes. */
  public final String identity;

  private final java.util.List<KubernetesClient> quick = new java.util.concurrent.CopyOnWriteArrayList<>();

  private Kube(Vertx vertx, KubernetesClient client, KubernetesClient noRetryClient, int workers, String instance) {
    this.vertx = vertx;
    this.client = client;
    this.noRetryClient = noRetryClient;
    this.calls = new KubeCalls(vertx, client, noRetryClient, workers);
    this.nodes = new NodeOps(calls);
    this.pods = new PodOps(calls);
    this.storage = new StorageOps(calls);
    this.budgets = new BudgetOps(calls);
    this.events = new EventOps(calls, instance);
    this.leases = new LeaseOps(calls);
    this.identity = instance;
  }

  /** Connects with the given client configuration (from KUBECONFIG or in-cluster credentials). */
  public static Kube connect(Vertx vertx, Config config, int workers, String instance) {
    Vertx5HttpClientFactory factory = new Vertx5HttpClientFactory(vertx);
    // Which replica or CLI sent a request, in the API server's audit log (and the simulator's record of requests).
    // (A caller that set its own keeps it.)
    if (config.getUserAgent() == null || config.getUserAgent().startsWith("fabric8-kubernetes-client")) {
      config = new ConfigBuilder(config).withUserAgent("takeover (" + instance + ")").build();
    }
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(factory).build();
    Config noRetry = new ConfigBuilder(config).withRequestRetryBackoffLimit(0).build();
    KubernetesClient noRetryClient = new KubernetesClientBuilder().withConfig(noRetry)
        .withHttpClientFactory(factory).build();
    return new Kube(vertx, client, noRetryClient, workers, instance);
  }

  /**
   * A client of its own for calls that must give up in time (leader election: a renewal that hangs past the renew
   * deadline would keep a leader acting after the others may take over): no retries, each request cut after
   * {@code timeout}. Closed with this.
   */
  public KubernetesClient quickClient(java.time.Duration timeout) {
    int ms = (int) Math.max(1, timeout.toMillis());
    Config c = new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).withRequestTimeout(ms)
        .withConnectionTimeout(ms).build();
    KubernetesClient k = new KubernetesClientBuilder().withConfig(c)
        .withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).build();
    quick.add(k);
    return k;
  }

  public KubeCalls calls() {
    return calls;
  }

  @Override
  public void close() {
    quick.forEach(KubernetesClient::close);
    calls.close();
    noRetryClient.close();
    client.close();
  }
}
