package dev.takeover.sim;

import dev.takeover.sim.api.SimApiServer;
import dev.takeover.sim.api.WatchFaults;
import dev.takeover.sim.controllers.Controller;
import dev.takeover.sim.controllers.ControllerLoop;
import dev.takeover.sim.controllers.NodeLeases;
import dev.takeover.sim.scenario.Scenario;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * A simulated Kubernetes cluster for tests and the demo: an API server (fabric8's mock plus what a real server does
 * that the mock does not) and the controllers, scheduler and kubelets that make objects move as on a real cluster.
 * <pre>
 * try (SimulatedCluster cluster = SimulatedCluster.builder().timing(SimTiming.fast()).start()) {
 *   cluster.scenario().node("kube-node01").statefulSet("default", "db", s -> s.replicas(1)).apply();
 *   KubernetesClient client = cluster.client();
 * }
 * </pre>
 */
public final class SimulatedCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.class);
  public static final String CONTEXT = "takeover-sim";

  private final SimTiming timing;
  private final ControllerLoop loop;
  private final SimApiServer server;
  /** One Vert.x for all the cluster's clients, closed after them: see {@link #close()}. */
  private final Vertx vertx = Vertx.vertx();
  private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();
  private final KubernetesClient client;

  private SimulatedCluster(Builder builder) {
    this.timing = builder.disableForceDetachOnTimeout ? builder.timing.withDisableForceDetachOnTimeout(true)
        : builder.timing;
    List<Controller> controllers = new ArrayList<>();
    NodeLeases leases = null;
    for (SimController c : builder.controllers) {
      Controller controller = c.create();
      controllers.add(controller);
      if (controller instanceof NodeLeases l) {
        leases = l;
      }
    }
    this.loop = new ControllerLoop(controllers, timing);
    this.server = new SimApiServer(builder.hook, loop::kick, builder.watchHistory, builder.bookmarkInterval);
    try {
      server.start(builder.port);
    } catch (RuntimeException e) {
      // A busy port: stop what was started, or its threads keep the JVM (and mvn exec:java) alive.
      loop.close();
      server.close(Duration.ZERO);
      vertx.close();
      throw new IllegalStateException("cannot listen on 127.0.0.1:" + builder.port + ": " + rootMessage(e), e);
    }
    this.client = newClient(UnaryOperator.identity());
    // the controllers retry in their next pass, so a failed call must not stall them in the client's backoff
    loop.start(newClient(config -> config.withRequestRetryBackoffLimit(0)));
    if (leases != null) {
      NodeLeases renewing = leases;
      loop.every(timing.leaseRenewInterval(), () -> renewing.renew(loop));
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A client for setup and assertions (namespace default); closed with the cluster. */
  public KubernetesClient client() {
    return client;
  }

  /** Another client, its configuration adjusted (e.g. {@code c -> c.withRequestRetryBackoffLimit(0)}); closed with the cluster. */
  public KubernetesClient newClient(UnaryOperator<ConfigBuilder> adjust) {
    Config config = adjust.apply(new ConfigBuilder(Config.empty()).withMasterUrl(masterUrl()).withNamespace("default")
        .withRequestTimeout(10_000)).build();
    KubernetesClient created = new KubernetesClientBuilder().withConfig(config)
        .withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).build();
    clients.add(created);
    return created;
  }

  /** The clients' Vert.x: {@link RawWatch} opens its websockets on one of its event loops. */
  Vertx vertx() {
    return vertx;
  }

  /** The connections clients hold to the API server now; a watch's is released when its websocket is closed. */
  int openConnections() {
    return server.openConnections();
  }

  /** http://127.0.0.1:PORT */
  public String masterUrl() {
    return server.url();
  }

  public int port() {
    return server.port();
  }

  public SimTiming timing() {
    return timing;
  }

  /**
   * The watch faults of the API server, off until switched on (at any time); see {@link WatchFaults}, e.g.
   * {@code cluster.watchFaults().onlyFor("pods").cutAfterEvents(3)}, and {@code clear()}.
   */
  public WatchFaults watchFaults() {
    return server.watchFaults();
  }

  /** How many watches the API server serves now (a watch silenced by {@link WatchFaults} is no longer served). */
  public int openWatches() {
    return server.openWatches();
  }

  /**
   * Drops the watch history up to now, as etcd's compaction does: a watch from any older resourceVersion is then
   * answered by the 410 Expired ERROR event (a watch from the current version, or without one, is served).
   */
  public void compactWatchHistory() {
    server.store().compactWatchHistory();
  }

  /**
   * The last requests the API server received (at most {@value SimApiServer#REQUEST_LOG_SIZE}), oldest first, each
   * as "METHOD PATH?QUERY", e.g. "GET /api/v1/pods?allowWatchBookmarks=true&resourceVersion=42&watch=true".
   */
  public List<String> requestLog() {
    return server.requestLog();
  }

  /**
   * Writes a kubeconfig that stock kubectl and fabric8 both accept: plain http, no credentials, cluster, user and
   * context named {@value #CONTEXT}, namespace default.
   */
  public Path writeKubeconfig(Path file) {
    String yaml = String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: " + CONTEXT,
        "  cluster:",
        "    server: " + masterUrl(),
        "users:",
        "- name: " + CONTEXT,
        "  user: {}",
        "contexts:",
        "- name: " + CONTEXT,
        "  context:",
        "    cluster: " + CONTEXT,
        "    user: " + CONTEXT,
        "    namespace: default",
        "current-context: " + CONTEXT,
        "preferences: {}",
        "");
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      return Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Objects to create, as a few lines of setup; see {@link Scenario}. */
  public Scenario scenario() {
    return new Scenario(this, client, loop);
  }

  /**
   * The node's machine stops: its kubelet does nothing more (its pods stay as they are, a terminating pod stays
   * terminating), its lease is no longer renewed, and the node lifecycle controller marks it unreachable.
   */
  public void stopNode(String name) {
    loop.stopNode(name);
  }

  /** The node's machine runs again. */
  public void startNode(String name) {
    loop.startNode(name);
  }

  /**
   * Returns once the controllers have nothing left to do and no timer of theirs is pending (lease renewal aside);
   * throws if that takes longer than {@code bound}.
   */
  public void awaitSettled(Duration bound) {
    Await.until(bound, Duration.ofMillis(5), () -> loop.pending() == 0,
        () -> "simulated cluster settled (" + loop.pending() + " passes or timers still pending)");
  }

  /**
   * Stops the controllers, closes the clients (and so their watches), waits briefly until their connections are
   * closed, then stops their Vert.x and the server. In that order, because a watch still open can keep the mock
   * from closing, and Vert.x stopped under a closing connection logs RejectedExecutionException.
   */
  @Override
  public void close() {
    loop.close();
    for (KubernetesClient c : clients) {
      try {
        c.close();
      } catch (RuntimeException e) {
        LOG.debug("closing a client: {}", e.toString());
      }
    }
    server.awaitNoConnections(Duration.ofSeconds(1));
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.debug("closing the clients' Vert.x: {}", e.toString());
    }
    try {
      server.close(Duration.ZERO);
    } catch (RuntimeException e) {
      LOG.warn("closing the simulated API server: {}", e.toString());
    }
  }

  /** Options of a simulated cluster. */
  public static final class Builder {
    private SimTiming timing = SimTiming.fast();
    private int port;
    private Set<SimController> controllers = EnumSet.allOf(SimController.class);
    private RequestHook hook;
    private int watchHistory = 10_000;
    private Duration bookmarkInterval = SimApiServer.DEFAULT_BOOKMARK_INTERVAL;
    private boolean disableForceDetachOnTimeout;

    private Builder() {}

    /**
     * As kube-controller-manager run with --disable-force-detach-on-timeout (1.30+; off by default, as here): a
     * dead node's volume is never detached after maxWaitForUnmount, only once the node is out of service.
     */
    public Builder disableForceDetachOnTimeout() {
      this.disableForceDetachOnTimeout = true;
      return this;
    }

    /** How many changes the watch history keeps (default 10,000); a watch from an older version gets 410 Expired. */
    public Builder watchHistory(int changes) {
      this.watchHistory = changes;
      return this;
    }

    /** How often a watch that allows bookmarks gets one (default 1 minute, as a real server). */
    public Builder watchBookmarkInterval(Duration interval) {
      this.bookmarkInterval = interval;
      return this;
    }

    public Builder timing(SimTiming timing) {
      this.timing = timing;
      return this;
    }

    /** The port on 127.0.0.1 (default 0: any free port). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Exactly these controllers (default: all). */
    public Builder controllers(SimController... enabled) {
      this.controllers = enabled.length == 0 ? EnumSet.noneOf(SimController.class) : EnumSet.of(enabled[0], enabled);
      return this;
    }

    /** All controllers but these. */
    public Builder without(SimController... disabled) {
      for (SimController c : disabled) {
        controllers.remove(c);
      }
      return this;
    }

    /** Sees every request first (e.g. the kubectl facade's discovery and Table answers). */
    public Builder requestHook(RequestHook hook) {
      this.hook = hook;
      return this;
    }

    public SimulatedCluster start() {
      return new SimulatedCluster(this);
    }
  }
}
