package dev.takeover.bench;

import dev.takeover.config.EngineConfig;
import dev.takeover.daemon.Daemon;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.daemon.TriggerConfig;
import dev.takeover.kafka.TestBroker;
import dev.takeover.kube.Kube;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import dev.takeover.slack.SignedCommand;
import io.vertx.core.Vertx;
import org.apache.kafka.common.test.KafkaClusterTestKit;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Slack's acknowledgement latency (issue 13, "Benchmarks"): from a signed {@code /slack/commands} request sent to
 * its answer read, 1,000 requests from 16 concurrent clients (after 64 not counted), against the daemon as
 * {@code Daemon.start} runs it, on the seed's simulated cluster and a real KRaft broker in this JVM. Figures, not a
 * test. Two commands:
 * <ul>
 *   <li>{@code status kube-node02}: signature, allow lists, the scheduler and the cluster view on the event bus;</li>
 *   <li>{@code kube-node02 at <next year>}: all that, plus a ticket checked and put on Kafka (acks=all) and the
 *   plan asked of the engine (which lists the node's pods from the API server) for its summary. The tickets wait
 *   for their window; none runs.</li>
 * </ul>
 * <pre>
 * MAVEN_OPTS=-Xmx1g mvn -q -o -Pbench test-compile exec:java -Dbench.main=dev.takeover.bench.SlackAckBenchmark
 * </pre>
 * Two runs (first / second) on a 2-CPU machine shared with other builds (load average 7 to 13), every answer 200:
 * <pre>
 * status          p50 53 / 45 ms, p90 141 / 102 ms, p99 204 / 230 ms, max 322 / 341 ms; 196 / 235 requests/s
 * ticket          p50 323 / 359 ms, p90 621 / 702 ms, p99 1263 / 1623 ms, max 1551 / 2290 ms; 38 / 35 requests/s;
 *                 the plan's summary in 1000 / 999 answers (its 2 s timeout passed once); no late answer
 * </pre>
 * The ticket's time is mostly the plan's (the engine lists the node's pods from the API server, one plan at a time
 * per request): with 16 at once it queues. Publishing alone (acks=all) is a few milliseconds.
 */
public final class SlackAckBenchmark {
  private static final int REQUESTS = 1_000;
  private static final int CLIENTS = 16;
  private static final int WARM_UP = 64;
  private static final String SECRET = "bench-signing-secret";
  private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, " + load());
    KafkaClusterTestKit broker = TestBroker.start();
    Vertx vertx = Vertx.vertx();
    try (SimulatedCluster sim = Seed.cluster(SimTiming.fast())) {
      String prefix = "slackbench-" + UUID.randomUUID().toString().substring(0, 8);
      DaemonConfig config = new DaemonConfig(new DaemonConfig.Kafka(Map.of("bootstrap.servers", broker.bootstrapServers()),
          new DaemonConfig.Topics(prefix + ".tickets", prefix + ".events", prefix + ".dlq", prefix + ".state"),
          prefix, 3, (short) -1), EngineConfig.defaults(), new DaemonConfig.Tickets(65536, Duration.ofSeconds(1)), "bench")
          .withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536, ""))
          .withSlack(new TriggerConfig.Slack(SECRET, Set.of("U123"), Set.of("C456"), ""));
      Kube kube = Kube.connect(vertx, sim.client().getConfiguration(), config.engine().kubeWorkers(), "takeover-bench");
      Daemon daemon = Daemon.start(vertx, config, kube, Clock.systemUTC()).await(120, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + daemon.httpPort();
      awaitReady(base);
      String later = Instant.now().plus(Duration.ofDays(365)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
      for (String text : List.of("status kube-node02", "kube-node02 at " + later)) {
        run(base, text);
      }
      daemon.stop().await(30, TimeUnit.SECONDS);
      kube.close();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      broker.close();
    }
    System.out.println("done; " + load());
    System.exit(0);
  }

  private static void run(String base, String text) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String body = SignedCommand.form("U123", "C456", text, "");
    AtomicInteger next = new AtomicInteger();
    AtomicInteger notOk = new AtomicInteger();
    AtomicInteger withPlan = new AtomicInteger();
    AtomicInteger late = new AtomicInteger();
    double[] ms = new double[REQUESTS];
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    long t0 = System.nanoTime();
    Future<?>[] done = new Future<?>[CLIENTS];
    for (int c = 0; c < CLIENTS; c++) {
      done[c] = clients.submit(() -> {
        for (int i = next.getAndIncrement(); i < WARM_UP + REQUESTS; i = next.getAndIncrement()) {
          long sent = System.nanoTime();
          // Signed when sent, as Slack does: the timestamp is the request's own.
          HttpResponse<String> r = http.send(SignedCommand.request(base, SECRET, Instant.now().getEpochSecond(), body),
              HttpResponse.BodyHandlers.ofString());
          long took = System.nanoTime() - sent;
          if (i < WARM_UP) {
            continue;
          }
          ms[i - WARM_UP] = took / 1e6;
          if (r.statusCode() != 200) {
            notOk.incrementAndGet();
          } else if (r.body().contains("Plan now:")) {
            withPlan.incrementAndGet();
          } else if (r.body().contains("Working on it")) {
            late.incrementAndGet();
          }
        }
        return null;
      });
    }
    for (Future<?> f : done) {
      f.get(10, TimeUnit.MINUTES);
    }
    double total = (System.nanoTime() - t0) / 1e9;
    clients.shutdown();
    Arrays.sort(ms);
    System.out.printf(Locale.ROOT, "== /takeover %s: %d signed requests, %d clients (after %d not counted)%n",
        text.startsWith("status") ? text : "<node> at <next year>", REQUESTS, CLIENTS, WARM_UP);
    System.out.printf(Locale.ROOT, "  p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms; %.0f requests/s; "
            + "not 200: %d; answers with the plan's summary: %d; 'working on it' (late): %d%n",
        pct(ms, 50), pct(ms, 90), pct(ms, 99), ms[ms.length - 1], (WARM_UP + REQUESTS) / total, notOk.get(),
        withPlan.get(), late.get());
  }

  private static void awaitReady(String base) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
        return;
      }
    }
    throw new IllegalStateException("the daemon was not ready within 60 s");
  }

  private static double pct(double[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  private static String load() {
    try {
      String[] avg = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return "load average " + avg[0] + " " + avg[1] + " " + avg[2];
    } catch (java.io.IOException e) {
      return "load average unknown";
    }
  }
}
