package dev.takeover.jar;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** target/takeover.jar as an operator runs it: a separate JVM, the simulated cluster behind a kubeconfig. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ProductionJarIT {
  static final Path JAR = Path.of("target", "takeover.jar");

  @TempDir
  Path dir;

  record Run(int code, String out, String err) {}

  /**
   * The java command with the jar. C1 only and the serial collector: a JVM that lives seconds starts faster on two
   * cores (as DaemonSigtermIT's); nothing the jar does depends on either.
   */
  static List<String> java(String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", JAR.toString()));
    command.addAll(List.of(args));
    return command;
  }

  private Run jar(String... args) throws IOException, InterruptedException {
    List<String> command = java(args);
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "takeover.jar did not finish: " + String.join(" ", args));
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void the_jar_holds_no_simulator_no_mock_server_and_no_test_code() throws IOException {
    List<String> leaks = new ArrayList<>();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
        String name = e.nextElement().getName();
        if (name.startsWith("dev/takeover/sim/") || name.startsWith("dev/takeover/demo/")
            || name.startsWith("dev/takeover/scenarios/") || name.startsWith("io/fabric8/mockwebserver/")
            || name.startsWith("io/fabric8/kubernetes/client/server/mock/") || name.endsWith("Test.class") && !name.startsWith("io/prometheus/metrics/shaded/") // protobuf's own, shaded
            || name.equals("logback-test.xml")
            // Kafka's broker and its test kit (the demo's and the tests' broker): the daemon is only a client.
            || (name.startsWith("kafka/") && name.endsWith(".class")) || name.startsWith("org/apache/kafka/common/test/")
            || name.startsWith("org/apache/kafka/controller/") || name.startsWith("org/apache/kafka/metadata/")) {
          leaks.add(name);
        }
      }
      assertTrue(jar.getEntry("dev/takeover/Main.class") != null, "the jar holds the daemon");
    }
    assertEquals(List.of(), leaks);
  }

  @Test
  void the_jar_as_a_daemon_takes_the_seeds_ticket_from_kafka_and_stops_on_sigterm() throws Exception {
    String prefix = TestBroker.unique("jar");
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast())) {
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
      Path config = dir.resolve("takeover.yaml");
      int port = freePort();
      Files.writeString(config, String.join("\n", "kafka:", "  properties:",
          "    bootstrap.servers: \"" + TestBroker.bootstrap() + "\"", "  topics:", "    tickets: " + prefix + ".tickets",
          "    events: " + prefix + ".events", "    deadLetters: " + prefix + ".dlq", "    state: " + prefix + ".state",
          "  groupId: " + prefix, "http:", "  host: 127.0.0.1", "  port: " + port, ""));
      Path out = dir.resolve("daemon-out.txt");
      Path err = dir.resolve("daemon-err.txt");
      ProcessBuilder builder = new ProcessBuilder(java("daemon", "--config", config.toString(), "--kubeconfig",
          kubeconfig.toString()));
      builder.environment().put("TAKEOVER_HTTP_API_TOKEN", CANARY);
      Process p = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
          TestBroker.bootstrap(), "acks", "all"), new StringSerializer(), new StringSerializer());
           KafkaConsumer<String, String> events = new KafkaConsumer<>(Map.of("bootstrap.servers", TestBroker.bootstrap(),
               "group.id", prefix + "-reader", "auto.offset.reset", "earliest"), new StringDeserializer(),
               new StringDeserializer())) {
        // The ticket may be published before the daemon is up: it waits on the topic (created here if need be).
        producer.send(new ProducerRecord<>(prefix + ".tickets", "kube-node02",
            "{\"id\":\"CHG-1042\",\"action\":\"takeover\",\"node\":\"kube-node02\",\"requestedBy\":\"jar\"}"))
            .get(30, TimeUnit.SECONDS);
        events.subscribe(List.of(prefix + ".events"));
        List<String> types = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!types.contains("dev.takeover.ticket.completed") && System.nanoTime() < deadline && p.isAlive()) {
          for (ConsumerRecord<String, String> r : events.poll(java.time.Duration.ofMillis(200))) {
            types.add(new io.vertx.core.json.JsonObject(r.value()).getString("type"));
          }
        }
        assertTrue(types.contains("dev.takeover.ticket.completed"), types + "\n" + Files.readString(err));
        assertEquals("kube-node01", cluster.client().pods().inNamespace("default").withName("mysql-0").get()
            .getSpec().getNodeName());
        // Its HTTP server: the probes, the API behind the token given in the environment, and the metrics with
        // Vert.x's own (the jar builds its Vertx with them).
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port;
        assertEquals(200, http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/healthz")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
        var state = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/tickets/CHG-1042"))
            .header("Authorization", "Bearer " + CANARY).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, state.statusCode(), state.body());
        assertTrue(state.body().contains("\"state\":\"done\""), state.body());
        String metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("vertx_http_server_requests_total"), "Vert.x metrics are on");
        assertTrue(metrics.contains("process_cpu_usage"), "process metrics are on");
        p.destroy(); // SIGTERM, as Kubernetes sends to a pod
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the daemon ends on SIGTERM");
        // 143 = 128 + SIGTERM: the JVM's status after a signal, whatever the hooks did; Kubernetes reads it as a clean stop.
        assertEquals(143, p.exitValue(), Files.readString(err));
        assertFalse(Files.readString(err).contains("Exception"), Files.readString(err));
        assertFalse((Files.readString(out) + Files.readString(err)).contains(CANARY), "the token is never logged");
      } finally {
        p.destroyForcibly();
      }
    }
  }

  private static final String CANARY = "canary-token-3f9a1c";

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void a_bad_setting_stops_the_daemon_at_start_with_one_line_naming_the_key() throws Exception {
    Path config = dir.resolve("bad.yaml");
    Files.writeString(config, "engine:\n  drainTimeout: ten minutes\n");
    Run run = jar("daemon", "--config", config.toString());
    assertEquals(2, run.code(), run.out() + run.err());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(run.err().startsWith("takeover: ") && run.err().contains("engine.drainTimeout"), run.err());
  }

  @Test
  void the_jar_takes_over_the_seeds_node_through_a_kubeconfig() throws Exception {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast())) {
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
      Run run = jar("run", "--node", "kube-node02", "--kubeconfig", kubeconfig.toString());
      assertEquals(0, run.code(), run.out() + run.err());
      assertTrue(run.out().contains("default/mysql-0: kube-node02 → kube-node01, pvc-mysql-0 → pv1"), run.out());
      assertEquals("", run.err());
      assertEquals("kube-node01", cluster.client().pods().inNamespace("default").withName("mysql-0").get()
          .getSpec().getNodeName());
    }
  }

  @Test
  void with_watches_that_stay_silent_the_jar_still_takes_over_and_says_in_one_line_that_it_checks_by_listing()
      throws Exception {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.realistic())) {
      cluster.awaitSettled(java.time.Duration.ofSeconds(10));
      cluster.watchFaults().silent(true);
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
      Run run = jar("run", "--node", "kube-node02", "--kubeconfig", kubeconfig.toString());
      assertEquals(0, run.code(), run.out() + run.err());
      assertTrue(run.out().contains("default/mysql-0: kube-node02 → kube-node01, pvc-mysql-0 → pv1"), run.out());
      List<String> failing = run.out().lines().filter(l -> l.contains("warning  watch of ")).toList();
      assertFalse(failing.isEmpty(), run.out());
      assertTrue(failing.get(0).matches(".*warning  watch of (pods on kube-node02|pod default/mysql-0) failing \\(.+\\);"
          + " checking by listing every 5 s$"), failing.get(0));
      assertEquals(failing.size(), failing.stream().map(l -> l.substring(l.indexOf("failing ("))).distinct().count(),
          "never the same cause twice: " + failing);
      assertEquals("", run.err());
    }
  }

  @Test
  void an_unknown_node_is_one_line_and_exit_code_3() throws Exception {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast())) {
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
      Run run = jar("run", "--node", "kube-node09", "--kubeconfig", kubeconfig.toString());
      assertEquals(3, run.code(), run.out() + run.err());
      assertTrue(run.out().contains("REFUSED in"), run.out());
      assertTrue(run.out().contains("node kube-node09 not found"), run.out());
      assertFalse((run.out() + run.err()).contains("Exception"), run.out() + run.err());
    }
  }

  @Test
  void wrong_arguments_and_no_cluster_give_one_line_and_a_hint() throws Exception {
    Run bad = jar("run", "--nodes", "x");
    assertEquals(2, bad.code());
    assertEquals("takeover: unknown option --nodes\nRun 'takeover --help' for usage.\n", bad.err());
    assertEquals("", bad.out());

    Files.writeString(dir.resolve("nowhere"), String.join("\n", "apiVersion: v1", "kind: Config",
        "clusters:", "- name: c", "  cluster:", "    server: http://127.0.0.1:1", "users:", "- name: u", "  user: {}",
        "contexts:", "- name: x", "  context: {cluster: c, user: u}", "current-context: x", ""));
    Run none = jar("run", "--node", "n1", "--kubeconfig", dir.resolve("nowhere").toString());
    assertEquals(2, none.code(), none.out() + none.err());
    assertEquals(1, none.err().lines().count(), none.err());
    assertTrue(none.err().startsWith("takeover: cannot reach the Kubernetes API at http://127.0.0.1:1/"), none.err());

    Run help = jar("--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("takeover run --node NODE"), help.out());
  }

  @Test
  void stopped_during_a_blocked_drain_the_jar_says_the_node_stays_cordoned_and_how_to_go_on() throws Exception {
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast())) {
      cluster.scenario().pdb("default", "mysql", b -> b.minAvailable(1).selector("app", "mysql-sts")).apply();
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
      Path out = dir.resolve("out.txt");
      Path err = dir.resolve("err.txt");
      Process p = new ProcessBuilder(java("run", "--node", "kube-node02", "--kubeconfig", kubeconfig.toString()))
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      try {
        // Bounded polling of the printed output: the drain is blocked by the budget once this line is there.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(out).contains("blocked  default/mysql-0") && System.nanoTime() < deadline
            && p.isAlive()) {
          p.waitFor(100, TimeUnit.MILLISECONDS);
        }
        assertTrue(Files.readString(out).contains("blocked  default/mysql-0"), Files.readString(out));
        p.destroy(); // SIGTERM, as a service manager or Ctrl-C's neighbour would send
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the jar ends on SIGTERM");
      } finally {
        p.destroyForcibly();
      }
      String stderr = Files.readString(err);
      assertTrue(stderr.contains("takeover: interrupted at step drain of run "), stderr);
      assertTrue(stderr.contains("kube-node02 stays cordoned, with Takeover's record on it"), stderr);
      assertTrue(stderr.contains("takeover release --node kube-node02"), stderr);
      assertEquals(Boolean.TRUE, cluster.client().nodes().withName("kube-node02").get().getSpec().getUnschedulable());

      Run release = jar("release", "--node", "kube-node02", "--kubeconfig", kubeconfig.toString());
      assertEquals(0, release.code(), release.out() + release.err());
      assertEquals(null, cluster.client().nodes().withName("kube-node02").get().getSpec().getUnschedulable());
    }
  }
}
