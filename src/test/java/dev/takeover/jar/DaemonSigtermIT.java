package dev.takeover.jar;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.Node;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM, a real one, to target/takeover.jar running as a daemon in the middle of a run, as Kubernetes sends it to
 * a pod: a PodDisruptionBudget holds the run in its drain; the signal comes; the process must stop taking tickets,
 * leave the run resumable (the node cordoned with the run's record, the state topic saying it runs) and exit within
 * a pod's grace period; a second daemon then resumes the same run and finishes it once the budget allows.
 *
 * <p>With leader election (the Lease {@code default/takeover}), the first daemon leads and holds the node's Lease
 * ({@code kube-node-lease/takeover-kube-node02}); on SIGTERM it releases both, so that the next one takes over at once.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonSigtermIT {
  static final Path JAR = Path.of("target", "takeover.jar");
  /** Kubernetes' default terminationGracePeriodSeconds. */
  static final Duration GRACE = Duration.ofSeconds(30);
  static final Duration BOUND = Duration.ofSeconds(90);

  @TempDir
  Path dir;

  @Test
  void sigterm_during_a_held_drain_exits_within_the_grace_period_and_the_next_daemon_resumes_and_finishes_the_run()
      throws Exception {
    String prefix = TestBroker.unique("sigterm");
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast());
         KafkaConsumer<String, String> events = reader(prefix + ".events")) {
      cluster.scenario().pdb("default", "mysql-hold", b -> b.minAvailable(1).selector("app", "mysql-sts")).apply();
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
      Path config = config(prefix);
      publish(prefix + ".tickets", "kube-node02",
          "{\"id\":\"CHG-1042\",\"action\":\"takeover\",\"node\":\"kube-node02\",\"requestedBy\":\"alice\"}");

      long t0 = System.nanoTime();
      Path firstErr = dir.resolve("first-err.txt");
      Process first = daemon(config, kubeconfig, firstErr, Map.of());
      String run;
      long took;
      try {
        List<JsonObject> held = await(events, l -> l.stream().anyMatch(e -> "takeover.pod.eviction-blocked"
            .equals(data(e).getString("type"))), BOUND, first, firstErr);
        run = held.stream().filter(e -> e.getString("type").equals("dev.takeover.ticket.started")).findFirst()
            .map(e -> data(e).getString("run")).orElseThrow();
        assertFalse(holder(cluster, "default", "takeover").isEmpty(), "the first daemon leads");
        assertFalse(holder(cluster, "kube-node-lease", "takeover-kube-node02").isEmpty(), "and holds the node");
        long sent = System.nanoTime();
        System.out.println("first daemon started, ticket held in its drain: " + ms(sent - t0) + " ms");
        first.destroy(); // SIGTERM
        assertTrue(first.waitFor(GRACE.toSeconds(), TimeUnit.SECONDS), "the daemon ends within " + GRACE);
        took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
        System.out.println("SIGTERM to exit: " + took + " ms");
        // 143 = 128 + SIGTERM: the JVM's status after the signal, whatever its hooks did.
        assertEquals(143, first.exitValue(), Files.readString(firstErr));
      } finally {
        first.destroyForcibly();
      }

      // Its log: JSON lines; it stopped taking tickets; the run it left is named with its keys, as every line of it.
      List<JsonObject> lines = jsonLines(firstErr);
      lines.stream().dropWhile(l -> !l.getString("message").startsWith("stopping"))
          .forEach(l -> System.out.println("  " + l.encode()));
      assertTrue(lines.stream().anyMatch(l -> l.getString("message").equals("stopped taking tickets from " + prefix
          + ".tickets")), "no 'stopped taking tickets' line: " + lines);
      JsonObject left = lines.stream().filter(l -> l.getString("message").contains("halting at its next safe point"))
          .findFirst().orElseThrow(() -> new AssertionError("the run left is not told: " + lines));
      assertEquals(Map.of("ticket", "CHG-1042", "run", run, "node", "kube-node02"), Map.of("ticket",
          left.getString("ticket"), "run", left.getString("run"), "node", left.getString("node")));
      assertTrue(lines.stream().filter(l -> l.getString("message").contains(run))
          .allMatch(l -> run.equals(l.getString("run"))), "a line naming the run without its keys");
      assertFalse(lines.stream().anyMatch(l -> "ERROR".equals(l.getString("level"))), lines.toString());

      // The Leases are released: the next daemon need not wait for them to run out. (fabric8's release of the leader's
      // keeps the holder and shortens the Lease to 1 s; the node's is cleared.)
      assertTrue(released(cluster, "default", "takeover"), "the leader's Lease released");
      assertTrue(released(cluster, "kube-node-lease", "takeover-kube-node02"), "the node's Lease released");

      // Nothing half-written: the node is cordoned with the run's record at its drain, the state topic says it runs.
      Node node = cluster.client().nodes().withName("kube-node02").get();
      assertEquals(Boolean.TRUE, node.getSpec().getUnschedulable());
      assertEquals(run, node.getMetadata().getAnnotations().get("takeover.dev/run"));
      assertEquals("drain", node.getMetadata().getAnnotations().get("takeover.dev/step"));
      JsonObject state = lastState(prefix + ".state", "CHG-1042");
      assertEquals("running", state.getString("state"), state.encode());
      assertEquals(run, state.getString("runId"));
      assertEquals("kube-node02", SeedPod.nodeOf(cluster), "mysql-0 was not evicted: the budget held it");

      // The next daemon (plain logs this time) resumes the same run; the budget lets go; the run finishes.
      Path secondErr = dir.resolve("second-err.txt");
      long t1 = System.nanoTime();
      Process second = daemon(config, kubeconfig, secondErr, Map.of("TAKEOVER_LOG_FORMAT", "plain"));
      try {
        await(events, l -> l.stream().anyMatch(e -> e.getString("type").equals("dev.takeover.ticket.started")
            && data(e).getBoolean("resumed", false)), BOUND, second, secondErr);
        System.out.println("second daemon started, run resumed: " + ms(System.nanoTime() - t1) + " ms");
        long t2 = System.nanoTime();
        cluster.client().policy().v1().podDisruptionBudget().inNamespace("default").withName("mysql-hold").delete();
        List<JsonObject> all = await(events, l -> l.stream().anyMatch(e -> e.getString("type")
            .matches("dev\\.takeover\\.ticket\\.(completed|failed)")), BOUND, second, secondErr);
        System.out.println("budget deleted to run completed: " + ms(System.nanoTime() - t2) + " ms");
        JsonObject end = all.get(all.size() - 1);
        assertEquals("dev.takeover.ticket.completed", end.getString("type"), end.encode());
        assertEquals(List.of(run, run), all.stream().filter(e -> e.getString("type").equals("dev.takeover.ticket.started"))
            .map(e -> data(e).getString("run")).toList(), "the same run, resumed");
        assertNotEquals("kube-node02", SeedPod.nodeOf(cluster));
        Node after = cluster.client().nodes().withName("kube-node02").get();
        assertFalse(Boolean.TRUE.equals(after.getSpec().getUnschedulable()), "uncordoned");
        assertFalse(after.getMetadata().getAnnotations().containsKey("takeover.dev/run"), "the record is gone");
        String plain = Files.readString(secondErr);
        assertTrue(plain.contains("[ticket=CHG-1042 run=" + run + " node=kube-node02] "), plain);
        assertFalse(plain.lines().anyMatch(l -> l.startsWith("{")), "plain lines, as TAKEOVER_LOG_FORMAT says");
      } finally {
        second.destroy();
        second.waitFor(GRACE.toSeconds(), TimeUnit.SECONDS);
        second.destroyForcibly();
      }
    }
  }

  /** Whether a Lease is let go of: no holder, or one second left to it (fabric8's release). */
  private static boolean released(SimulatedCluster cluster, String namespace, String name) {
    io.fabric8.kubernetes.api.model.coordination.v1.Lease l = cluster.client().leases().inNamespace(namespace)
        .withName(name).get();
    System.out.println("Lease " + namespace + "/" + name + ": " + (l == null ? "none" : l.getSpec()));
    return l == null || holder(cluster, namespace, name).isEmpty()
        || l.getSpec().getLeaseDurationSeconds() != null && l.getSpec().getLeaseDurationSeconds() <= 1;
  }

  /** The holder of a Lease ("" when released or absent). */
  private static String holder(SimulatedCluster cluster, String namespace, String name) {
    io.fabric8.kubernetes.api.model.coordination.v1.Lease l = cluster.client().leases().inNamespace(namespace)
        .withName(name).get();
    return l == null || l.getSpec().getHolderIdentity() == null ? "" : l.getSpec().getHolderIdentity();
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  /** Where mysql-0 runs. */
  private static final class SeedPod {
    static String nodeOf(SimulatedCluster cluster) {
      return cluster.client().pods().inNamespace("default").withName("mysql-0").get().getSpec().getNodeName();
    }
  }

  private Path config(String prefix) throws IOException {
    return Files.writeString(dir.resolve("takeover.yaml"), String.join("\n", "kafka:", "  properties:",
        "    bootstrap.servers: \"" + TestBroker.bootstrap() + "\"", "  topics:", "    tickets: " + prefix + ".tickets",
        "    events: " + prefix + ".events", "    deadLetters: " + prefix + ".dlq", "    state: " + prefix + ".state",
        "  groupId: " + prefix, "tickets:", "  tick: PT0.2S", "http:", "  host: 127.0.0.1", "  port: 0", ""));
  }

  private static Process daemon(Path config, Path kubeconfig, Path err, Map<String, String> env) throws IOException {
    // C1 only: a daemon that lives seconds starts about a third faster on two cores; nothing it does depends on it.
    ProcessBuilder b = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-jar", JAR.toString(), "daemon", "--config", config.toString(), "--kubeconfig", kubeconfig.toString());
    b.environment().keySet().removeIf(k -> k.startsWith("TAKEOVER_"));
    b.environment().put("POD_NAMESPACE", "default"); // as the chart gives it: where the leader's Lease is
    b.environment().putAll(env);
    return b.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
  }

  private static void publish(String topic, String key, String value) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", TestBroker.bootstrap(),
        "acks", "all"), new StringSerializer(), new StringSerializer())) {
      p.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  private static KafkaConsumer<String, String> reader(String topic) {
    KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestBroker.bootstrap(),
        "group.id", topic + "-reader", "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer());
    c.subscribe(List.of(topic));
    return c;
  }

  private final List<JsonObject> seen = new ArrayList<>();

  /** The CloudEvents read so far once {@code until} holds, within the bound, while the daemon lives. */
  private List<JsonObject> await(KafkaConsumer<String, String> events, Predicate<List<JsonObject>> until,
                                 Duration bound, Process daemon, Path err) throws IOException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!until.test(seen) && System.nanoTime() < deadline && daemon.isAlive()) {
      for (ConsumerRecord<String, String> r : events.poll(Duration.ofMillis(200))) {
        seen.add(new JsonObject(r.value()));
      }
    }
    assertTrue(until.test(seen), "not within " + bound + " (daemon alive: " + daemon.isAlive() + "): "
        + seen.stream().map(e -> e.getString("type")).toList() + "\n" + Files.readString(err));
    return List.copyOf(seen);
  }

  private static JsonObject data(JsonObject cloudEvent) {
    return cloudEvent.getJsonObject("data", new JsonObject());
  }

  /** Every line of a JSON log, each checked to be one object. */
  private static List<JsonObject> jsonLines(Path log) throws IOException {
    List<JsonObject> out = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      try {
        out.add(new JsonObject(line));
      } catch (RuntimeException e) {
        throw new AssertionError("not a JSON line: " + line, e);
      }
    }
    return out;
  }

  /** The last record of a ticket in the compacted state topic, read from the start of every partition. */
  private static JsonObject lastState(String topic, String ticket) {
    Map<String, JsonObject> last = new HashMap<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", TestBroker.bootstrap()),
        new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (parts.stream().anyMatch(p -> c.position(p) < end.get(p)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          if (r.value() != null) {
            last.put(r.key(), new JsonObject(r.value()));
          }
        }
      }
    }
    JsonObject state = last.get(ticket);
    assertTrue(state != null, "no state of " + ticket + " in " + topic + ": " + last.keySet());
    return state;
  }
}
