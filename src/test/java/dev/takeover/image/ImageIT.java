package dev.takeover.image;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The image's ENTRYPOINT and CMD, as src/main/docker/Dockerfile writes them, run on target/takeover.jar the way the
 * Helm chart's pod runs them, without a Docker engine: uid 65532, every mount of the machine read-only (a mount
 * namespace of the jar's own, so nothing outside it changes), a fresh tmpfs on /tmp standing for the emptyDir, the
 * working directory /, and an environment holding only PATH and HOME. Only the paths differ: the JVM of this build
 * for {@code java}, target/takeover.jar for the jar, a file under target/ for /etc/takeover/takeover.yaml.
 * Where mount namespaces are not allowed (not root, no unshare), the tests are skipped and say why.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ImageIT {
  static final Path TARGET = Path.of("target").toAbsolutePath();
  static final Path JAR = TARGET.resolve("takeover.jar");
  static final String UID = "65532";
  /**
   * Makes the root read-only as {@code readOnlyRootFilesystem} does, then runs the command as the image's user.
   * $1 is {@code tmpfs} (the chart's emptyDir on /tmp) or {@code none}; the rest is the command. Exit 97: the sandbox
   * itself could not be made.
   */
  static final String SANDBOX = """
      mode=$1; target=$2; shift 2
      for mp in $(awk '{print $2}' /proc/self/mounts | sort -u); do
        case "$mp" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue;; esac
        mount -o remount,bind,ro "$mp" || { echo "sandbox: could not make $mp read-only" >&2; exit 97; }
      done
      cd "$target" || exit 97
      if [ "$mode" = tmpfs ]; then mount -t tmpfs -o mode=1777,size=256m tmpfs /tmp || exit 97; fi
      # A build under /tmp (CI's may be) keeps its target/ in sight: bound back from the directory we stand in (-c: as
      # ".", which is the hidden one; a canonical path would name the new, empty one).
      case "$target" in /tmp/*) mkdir -p "$target" && mount -c --bind . "$target" || exit 97;; esac
      cd /
      exec setpriv --reuid=%1$s --regid=%1$s --clear-groups "$@"
      """.formatted(UID);

  static Dockerfile docker;
  Path dir;

  @BeforeAll
  static void aSandboxCanBeMade() throws Exception {
    docker = Dockerfile.read();
    assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc: not Linux, the read-only root is not checked");
    Process probe;
    try {
      probe = new ProcessBuilder(sandboxed("tmpfs", List.of("/bin/true"))).redirectErrorStream(true).start();
    } catch (IOException e) {
      assumeTrue(false, "no unshare here (" + e.getMessage() + "): the read-only root is not checked");
      return;
    }
    assumeTrue(probe.waitFor(20, TimeUnit.SECONDS), "unshare did not answer within 20 s");
    String said = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assumeTrue(probe.exitValue() == 0, "no mount namespace with a read-only root here (unshare -m, mount, setpriv: "
        + said + "): the read-only root is not checked");
  }

  @BeforeEach
  void aDirectoryTheDaemonMayRead() throws IOException {
    // Not under /tmp: the sandbox's /tmp is a fresh tmpfs. Readable by uid 65532, as a mounted ConfigMap is.
    dir = Files.createDirectories(Path.of("target", "image-it", TestBroker.unique("run")).toAbsolutePath());
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void the_entrypoint_runs_the_daemon_as_uid_65532_on_a_read_only_root_writing_only_to_tmp() throws Exception {
    String prefix = TestBroker.unique("image");
    try (SimulatedCluster cluster = Seed.cluster(SimTiming.fast())) {
      int port = freePort();
      Path config = settings(prefix, port);
      Path kubeconfig = readable(cluster.writeKubeconfig(dir.resolve("kubeconfig")));
      Path err = dir.resolve("err.txt");
      Process p = start(sandboxed("tmpfs", imageCommand(config, kubeconfig)), err);
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
          TestBroker.bootstrap(), "acks", "all"), new StringSerializer(), new StringSerializer());
           KafkaConsumer<String, String> events = new KafkaConsumer<>(Map.of("bootstrap.servers", TestBroker.bootstrap(),
               "group.id", prefix + "-reader", "auto.offset.reset", "earliest"), new StringDeserializer(),
               new StringDeserializer())) {
        HttpClient http = HttpClient.newHttpClient();
        URI readyz = URI.create("http://127.0.0.1:" + port + "/readyz");
        int ready = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (ready != 200 && p.isAlive() && System.nanoTime() < deadline) {
          try {
            ready = http.send(HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
          } catch (IOException notListeningYet) {
            ready = -1;
          }
          p.waitFor(200, TimeUnit.MILLISECONDS); // bounded polling of the readiness probe, as the kubelet does
        }
        assertEquals(200, ready, "ready within 90 s on a read-only root\n" + Files.readString(err));

        assertEquals(UID, field(p, "Uid").split("\\s+")[0], "the daemon runs as the image's user");
        Path tmp = Path.of("/proc", String.valueOf(p.pid()), "root", "tmp");
        try (Stream<Path> inTmp = Files.list(tmp)) {
          assertTrue(inTmp.anyMatch(f -> f.getFileName().toString().startsWith("vertx-cache") && Files.isDirectory(f)),
              "Vert.x's file cache is in the pod's /tmp");
        }

        producer.send(new ProducerRecord<>(prefix + ".tickets", "kube-node02",
            "{\"id\":\"CHG-1042\",\"action\":\"takeover\",\"node\":\"kube-node02\",\"requestedBy\":\"image\"}"))
            .get(30, TimeUnit.SECONDS);
        events.subscribe(List.of(prefix + ".events"));
        List<String> types = new ArrayList<>();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!types.contains("dev.takeover.ticket.completed") && p.isAlive() && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, String> r : events.poll(Duration.ofMillis(200))) {
            types.add(new JsonObject(r.value()).getString("type"));
          }
        }
        assertTrue(types.contains("dev.takeover.ticket.completed"), types + "\n" + Files.readString(err));
        assertEquals("kube-node01", cluster.client().pods().inNamespace("default").withName("mysql-0").get()
            .getSpec().getNodeName());

        p.destroy(); // SIGTERM to PID 1 of the container: java itself, the entrypoint being in exec form
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the daemon ends on SIGTERM");
        assertEquals(143, p.exitValue(), Files.readString(err));
        String log = Files.readString(err);
        assertFalse(log.contains("Read-only file system"), "nothing tried to write outside /tmp:\n" + log);
        assertFalse(log.contains("Exception"), log);
      } finally {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void with_tmp_read_only_too_the_daemon_cannot_start_so_the_sandbox_does_forbid_writes() throws Exception {
    // The control: if the sandbox let writes through, the test above would prove nothing.
    Path config = settings(TestBroker.unique("image"), freePort());
    Path kubeconfig = readable(Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\n"));
    Path err = dir.resolve("err.txt");
    Process p = start(sandboxed("none", imageCommand(config, kubeconfig)), err);
    try {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the daemon stops at once");
      String log = Files.readString(err);
      assertNotEquals(0, p.exitValue(), log);
      assertNotEquals(97, p.exitValue(), "the sandbox was made: " + log);
      assertTrue(log.contains("/tmp/vertx-cache") && log.contains("Read-only file system"), log);
    } finally {
      p.destroyForcibly();
    }
  }

  /** The image's ENTRYPOINT then CMD, with this machine's paths for the JVM, the jar and the settings. */
  private List<String> imageCommand(Path config, Path kubeconfig) {
    String jarInImage = docker.copies().get("target/takeover.jar");
    String configInImage = docker.copies().get("config/takeover.yaml");
    List<String> command = new ArrayList<>();
    for (String a : docker.last("ENTRYPOINT").execForm()) {
      command.add(a.equals("java") ? Path.of(System.getProperty("java.home"), "bin", "java").toString()
          : a.equals(jarInImage) ? inside(JAR) : a);
    }
    for (String a : docker.last("CMD").execForm()) {
      command.add(a.equals(configInImage) ? inside(config) : a);
    }
    // Outside a pod there are no in-cluster credentials: the simulated cluster's kubeconfig stands for them.
    command.addAll(List.of("--kubeconfig", inside(kubeconfig)));
    return command;
  }

  /**
   * Where a file of target/ is seen inside the sandbox: where it is outside (a target/ under /tmp, hidden by the fresh
   * /tmp, is bound back in place).
   */
  private static String inside(Path file) {
    return file.toAbsolutePath().toString();
  }

  private static List<String> sandboxed(String tmp, List<String> command) {
    List<String> all = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c", SANDBOX,
        "sandbox", tmp, TARGET.toString()));
    all.addAll(command);
    return all;
  }

  private static Process start(List<String> command, Path err) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(err.toFile());
    // A container's environment: no TAKEOVER_* of the build's, HOME as the image's passwd entry says.
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    builder.environment().put("HOME", "/tmp");
    return builder.start();
  }

  /** The ConfigMap's part: the broker, topics of this test's own, the HTTP server on 127.0.0.1. */
  private Path settings(String prefix, int port) throws IOException {
    return readable(Files.writeString(dir.resolve("takeover.yaml"), String.join("\n", "kafka:", "  properties:",
        "    bootstrap.servers: \"" + TestBroker.bootstrap() + "\"", "  topics:", "    tickets: " + prefix + ".tickets",
        "    events: " + prefix + ".events", "    deadLetters: " + prefix + ".dlq", "    state: " + prefix + ".state",
        "  groupId: " + prefix, "http:", "  host: 127.0.0.1", "  port: " + port, "")));
  }

  private static Path readable(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    return file;
  }

  /** A field of /proc/PID/status, such as Uid (real, effective, saved, file system). */
  private static String field(Process p, String name) throws IOException {
    return Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), "status")).stream()
        .filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).strip()).findFirst().orElse("");
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
