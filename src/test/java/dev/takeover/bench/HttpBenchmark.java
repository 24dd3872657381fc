package dev.takeover.bench;

import dev.takeover.config.EngineConfig;
import dev.takeover.daemon.Daemon;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.daemon.TriggerConfig;
import dev.takeover.kafka.TestBroker;
import dev.takeover.kube.Kube;
import dev.takeover.metrics.Metrics;
import dev.takeover.metrics.Scrape;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import org.apache.kafka.common.test.KafkaClusterTestKit;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server's figures (issue 13, "Benchmarks"): a real KRaft broker, the simulated cluster and the daemon as
 * {@code takeover daemon} starts it (its Vertx built by {@link Metrics#vertx()}), the load from a Vert.x HTTP client,
 * all in this one JVM. Figures, not a test. About 3 minutes:
 * <pre>
 * MAVEN_OPTS=-Xmx1g mvn -q -Pbench test-compile exec:java -Dbench.main=dev.takeover.bench.HttpBenchmark \
 *     [-Dexec.args="tickets metrics"]
 * </pre>
 * <ol>
 *   <li><b>tickets</b>: {@code POST /api/v1/tickets} with valid takeover tickets (a new id each, a window next year,
 *   so that they wait in the schedule and no run competes for the CPU), each answered 202 once it is on Kafka
 *   (acks=all); 1 to 1,024 clients, each on a fresh daemon, 3 s of warm-up and 10 s counted.</li>
 *   <li><b>metrics</b>: {@code GET /metrics} while 10 runs are going: 11 nodes each with a pod of a Deployment whose
 *   PodDisruptionBudget allows no disruption, 10 takeover tickets, {@code maxNodesInMaintenance: 10}; every run
 *   stays in its drain, retrying its eviction, while the scrapes are counted (the scrape itself says 10 runs).</li>
 * </ol>
 */
public final class HttpBenchmark {
  private static final String TOKEN = "bench-token-" + UUID.randomUUID();
  private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    Set<String> which = new LinkedHashSet<>(args.length > 0 ? Arrays.asList(args) : List.of("tickets", "metrics"));
    System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, " + load()
        + "; max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB");
    KafkaClusterTestKit broker = TestBroker.start();
    try (HttpLoad load = new HttpLoad()) {
      String bootstrap = broker.bootstrapServers();
      if (which.contains("tickets")) {
        tickets(bootstrap, load);
      }
      if (which.contains("metrics")) {
        metrics(bootstrap, load);
      }
    } finally {
      broker.close();
    }
    System.out.println("done; " + load());
    System.exit(0);
  }

  private static void tickets(String bootstrap, HttpLoad load) throws Exception {
    System.out.println("== POST /api/v1/tickets: valid tickets, answered 202 once on Kafka");
    try (SimulatedCluster sim = DaemonBenchmark.cluster(20, SimTiming.fast())) {
      Integer firstErrors = null;
      HttpLoad.Figure best = null;
      for (int clients : new int[] {1, 4, 16, 64, 256, 1024}) {
        try (Running d = new Running(bootstrap, sim, 1)) {
          String run = UUID.randomUUID().toString().substring(0, 6);
          HttpLoad.Figure f = load.run("127.0.0.1", d.port(), clients, Duration.ofSeconds(3), Duration.ofSeconds(10),
              i -> new HttpLoad.Req(HttpMethod.POST, "/api/v1/tickets", Map.of("Authorization", "Bearer " + TOKEN,
                  "Content-Type", "application/json"), Buffer.buffer(ticket("b" + run + "-" + i, DaemonBenchmark.node(i % 20)))),
              202);
          System.out.println("  " + f + "; " + load());
          if (f.errorCount() > 0 && firstErrors == null) {
            firstErrors = clients;
          }
          if (f.errorCount() == 0 && (best == null || f.perSecond() > best.perSecond())) {
            best = f;
          }
        }
      }
      System.out.printf(Locale.ROOT, "  most without an error: %.0f tickets/s (%d clients); errors first at %s%n",
          best == null ? 0 : best.perSecond(), best == null ? 0 : best.clients(),
          firstErrors == null ? "no level tried (up to 1024 clients)" : firstErrors + " clients");
    }
  }

  private static void metrics(String bootstrap, HttpLoad load) throws Exception {
    System.out.println("== GET /metrics while 10 runs are going (each held in its drain by a PodDisruptionBudget)");
    try (SimulatedCluster sim = DaemonBenchmark.cluster(11, SimTiming.fast());
         Running d = new Running(bootstrap, sim, 10)) {
      sim.scenario().deployment("default", "web", w -> w.replicas(11))
          .pdb("default", "web", b -> b.minAvailable(11)).apply();
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + d.port();
      for (int i = 0; i < 10; i++) {
        String node = DaemonBenchmark.node(i);
        java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "/api/v1/tickets")).header("Authorization", "Bearer " + TOKEN)
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(new io.vertx.core.json.JsonObject()
                .put("id", "m-" + i).put("action", "takeover").put("node", node).put("requestedBy", "bench").encode()))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
          throw new IllegalStateException("ticket m-" + i + ": " + r.statusCode() + " " + r.body());
        }
      }
      Scrape going = Scrape.await(http, base + "/metrics", s -> s.value("takeover_runs_in_progress") == 10.0
          && s.value("takeover_evictions_total", "result", "pdb_blocked") >= 10, Duration.ofSeconds(120));
      System.out.printf(Locale.ROOT, "  runs in progress %.0f, evictions refused by the budget so far %.0f; a scrape is %d kB"
              + " (%d samples, %d of them takeover_)%n", going.value("takeover_runs_in_progress"),
          going.value("takeover_evictions_total", "result", "pdb_blocked"), going.text().length() / 1024,
          going.samples().size(), going.samples().stream().filter(x -> x.name().startsWith("takeover_")).count());
      for (int clients : new int[] {1, 4, 16}) {
        HttpLoad.Figure f = load.run("127.0.0.1", d.port(), clients, Duration.ofSeconds(2), Duration.ofSeconds(8),
            i -> new HttpLoad.Req(HttpMethod.GET, "/metrics", Map.of(), null), 200);
        System.out.println("  " + f + "; " + load());
      }
      Scrape after = Scrape.get(http, base + "/metrics");
      System.out.printf(Locale.ROOT, "  runs in progress after: %.0f%n", after.value("takeover_runs_in_progress"));
    }
  }

  /** A valid takeover ticket whose window opens next year: accepted, recorded, and left waiting. */
  private static String ticket(String id, String node) {
    int year = java.time.Year.now().getValue() + 1;
    return new io.vertx.core.json.JsonObject().put("id", id).put("action", "takeover").put("node", node)
        .put("requestedBy", "bench").put("window", new io.vertx.core.json.JsonObject()
            .put("start", year + "-06-01T01:00:00Z").put("end", year + "-06-01T03:00:00Z")).encode();
  }

  /** The daemon as production starts it, its HTTP server on a free port with the benchmark's token. */
  private static final class Running implements AutoCloseable {
    final Vertx vertx;
    final Kube kube;
    final Daemon daemon;

    Running(String bootstrap, SimulatedCluster sim, int maxNodes) throws Exception {
      String prefix = "hbench-" + UUID.randomUUID().toString().substring(0, 8);
      DaemonConfig config = new DaemonConfig(new DaemonConfig.Kafka(Map.of("bootstrap.servers", bootstrap),
          new DaemonConfig.Topics(prefix + ".tickets", prefix + ".events", prefix + ".dlq", prefix + ".state"),
          prefix, 3, (short) -1), EngineConfig.defaults().withMaxNodesInMaintenance(maxNodes),
          new DaemonConfig.Tickets(65536, Duration.ofSeconds(1)), "bench")
          .withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536, TOKEN));
      Metrics metrics = Metrics.create();
      vertx = metrics.vertx();
      kube = Kube.connect(vertx, sim.client().getConfiguration(), config.engine().kubeWorkers(), "takeover-bench");
      daemon = Daemon.start(vertx, config, kube, Clock.systemUTC(), metrics).await(120, TimeUnit.SECONDS);
      // The cluster view must have listed the nodes before a ticket's node can be checked.
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port() + "/readyz"))
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() != 200) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the daemon is not ready after 60 s");
        }
      }
    }

    int port() {
      return daemon.httpPort();
    }

    @Override
    public void close() throws Exception {
      daemon.stop().await(30, TimeUnit.SECONDS);
      // Vert.x first: the runs still going (the metrics figure's) would otherwise retry on a closed client.
      vertx.close().await(10, TimeUnit.SECONDS);
      kube.close();
    }
  }

  private static String load() {
    try {
      String[] avg = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return "load " + avg[0];
    } catch (java.io.IOException e) {
      return "load unknown";
    }
  }
}
