package dev.takeover.image;

import dev.takeover.daemon.DaemonConfigLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container image's build, checked without building it (no Docker engine, no network at test time): what
 * src/main/docker/Dockerfile says must fit the jar the pom makes, the daemon's defaults and the Helm chart's pod
 * (runAsUser 65532, readOnlyRootFilesystem, /tmp an emptyDir). {@link ImageIT} runs the entrypoint itself.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ImageTest {
  static Dockerfile docker;

  @BeforeAll
  static void read() throws IOException {
    docker = Dockerfile.read();
  }

  @Test
  void the_base_image_is_a_java_17_runtime_pinned_by_its_digest() {
    String base = docker.baseImage();
    Matcher m = Pattern.compile("([\\w./-]+):([\\w.-]+)@sha256:[0-9a-f]{64}").matcher(base);
    assertTrue(m.matches(), "the base image is pinned by digest, with its tag saying what it is: " + base);
    assertTrue(m.group(2).matches("17([.\\-_].*)?") && m.group(2).contains("jre"),
        "the tag names a Java 17 runtime: " + base);
    assertEquals(1, docker.all("FROM").size(), "one stage: the jar is built by Maven before, not in the image");
  }

  @Test
  void the_image_copies_and_runs_the_shaded_jar_the_pom_makes() throws Exception {
    String jar = "target/" + shadedFinalName() + ".jar";
    assertTrue(docker.copies().containsKey(jar), "COPY " + jar + ": " + docker.copies());
    String inImage = docker.copies().get(jar);
    List<String> entrypoint = docker.last("ENTRYPOINT").execForm();
    int dashJar = entrypoint.indexOf("-jar");
    assertTrue(dashJar > 0 && dashJar + 1 < entrypoint.size(), "java -jar: " + entrypoint);
    assertEquals(inImage, entrypoint.get(dashJar + 1), "the entrypoint runs the jar where it was copied");
    assertEquals("java", entrypoint.get(0), "java itself is PID 1 and gets the SIGTERM");
  }

  @Test
  void the_image_runs_as_uid_65532_given_by_number_as_the_chart_does() {
    String user = docker.last("USER").rest();
    assertTrue(user.matches("65532(:65532)?"), "USER is numeric (runAsNonRoot checks it without /etc/passwd): " + user);
    int lastUser = docker.instructions().lastIndexOf(docker.last("USER"));
    List<String> after = docker.instructions().subList(lastUser + 1, docker.instructions().size()).stream()
        .map(Dockerfile.Instruction::keyword).toList();
    assertFalse(after.contains("RUN") || after.contains("USER"), "nothing after USER runs as another user: " + after);
  }

  @Test
  void the_jvm_sizes_its_heap_on_the_container_limit_and_exits_when_out_of_memory() {
    List<String> flags = jvmFlags();
    int percent = flags.stream().filter(f -> f.startsWith("-XX:MaxRAMPercentage=")).mapToInt(f ->
        (int) Double.parseDouble(f.substring(f.indexOf('=') + 1))).findFirst().orElse(-1);
    assertTrue(percent >= 50 && percent <= 80, "MaxRAMPercentage leaves room for metaspace, threads, buffers: " + flags);
    assertTrue(flags.contains("-XX:+ExitOnOutOfMemoryError"), "a JVM out of memory exits and is restarted: " + flags);
    assertTrue(flags.stream().noneMatch(f -> f.matches("-Xm[xs].*|-XX:Max(Heap|New)Size.*|-XX:-UseContainerSupport")),
        "no fixed heap that would ignore the container's memory limit: " + flags);
  }

  @Test
  void everything_the_jvm_and_vertx_write_goes_to_tmp_the_only_writable_place() {
    List<String> flags = jvmFlags();
    assertTrue(flags.contains("-Djava.io.tmpdir=/tmp"), flags.toString());
    assertTrue(flags.stream().anyMatch(f -> f.matches("-Dvertx\\.cacheDirBase=/tmp/.+")), "Vert.x's file cache: " + flags);
    List<String> elsewhere = new ArrayList<>();
    for (String f : flags) {
      // Every flag that names a file the JVM writes: crash log, heap dump, GC or JIT logs.
      Matcher m = Pattern.compile("-XX:(ErrorFile|HeapDumpPath|LogFile|ReplayDataFile)=(.*)|-Xlog:.*file=([^:,]*).*")
          .matcher(f);
      if (m.matches()) {
        String path = m.group(2) != null ? m.group(2) : m.group(3);
        if (!path.startsWith("/tmp/")) {
          elsewhere.add(f);
        }
      }
    }
    assertEquals(List.of(), elsewhere, "files written outside /tmp on a read-only root");
    assertTrue(docker.all("VOLUME").isEmpty(), "no VOLUME: the chart decides what is mounted (/tmp an emptyDir)");
  }

  @Test
  void the_default_command_is_the_daemon_on_the_settings_the_chart_mounts() {
    assertEquals(List.of("daemon", "--config", "/etc/takeover/takeover.yaml"), docker.last("CMD").execForm());
    assertEquals("/etc/takeover/takeover.yaml", docker.copies().get("config/takeover.yaml"),
        "the shipped defaults are there when nothing is mounted");
  }

  @Test
  void the_exposed_port_is_the_one_the_daemon_listens_on_with_the_shipped_settings() throws IOException {
    Map<String, Object> shipped;
    try (Reader r = Files.newBufferedReader(Path.of("config/takeover.yaml"))) {
      shipped = new Yaml().load(r);
    }
    int port = DaemonConfigLoader.from(new JsonObject(shipped), Map.of("HOSTNAME", "image")).http().port();
    assertEquals(List.of(String.valueOf(port)), docker.all("EXPOSE").stream()
        .map(e -> e.rest().replace("/tcp", "")).toList());
  }

  @Test
  void the_build_context_sends_the_jar_and_the_settings_and_nothing_else() {
    for (String source : docker.copies().keySet()) {
      assertTrue(docker.sent(source), source + " is copied, so the ignore file must send it");
    }
    for (String other : List.of("pom.xml", "src/main/java/dev/takeover/Main.java", "target/classes/logback.xml",
        "target/original-takeover.jar", ".git/config", "helm/takeover/values.yaml", "README.md")) {
      assertFalse(docker.sent(other), other + " stays out of the build context");
    }
  }

  /** The shade plugin's finalName in pom.xml: the jar {@code mvn package} leaves in target/. */
  private static String shadedFinalName() throws Exception {
    var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
    NodeList plugins = pom.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element plugin = (Element) plugins.item(i);
      if (text(plugin, "artifactId").equals("maven-shade-plugin")) {
        return text(plugin, "finalName");
      }
    }
    throw new AssertionError("pom.xml has no maven-shade-plugin");
  }

  private static String text(Element e, String tag) {
    NodeList found = e.getElementsByTagName(tag);
    return found.getLength() == 0 ? "" : found.item(0).getTextContent().strip();
  }

  /** The entrypoint's options before -jar: the JVM's. */
  private static List<String> jvmFlags() {
    List<String> entrypoint = docker.last("ENTRYPOINT").execForm();
    int dashJar = entrypoint.indexOf("-jar");
    return entrypoint.subList(1, dashJar < 0 ? entrypoint.size() : dashJar);
  }
}
