package dev.takeover.demo;

import dev.takeover.Main;
import io.fabric8.kubernetes.api.model.Pod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's first command, run as a user runs it (the demo profile's arguments), checked on its output. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DemoTest {
  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private Demo.Session demo(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--kubeconfig", dir.resolve("kubeconfig").toString()));
    return Demo.start(DemoOptions.parse(all), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String printed() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void the_daemon_demo_prints_the_ticket_story_in_order_and_moves_mysql_0_to_kube_node01_with_pv1() {
    try (Demo.Session session = demo()) {
      String text = printed();
      assertEquals(0, session.exitCode(), text + err);
      List<String> story = text.lines().filter(l -> l.contains(" CHG-1042 ")).map(l -> l.trim().split("\\s+")[2])
          .distinct().toList();
      assertEquals(List.of("accepted", "started", "step", "pod", "completed"), story, text);
      List<String> steps = text.lines().filter(l -> l.contains(" done in ")).map(l -> l.trim().split("\\s+")[5])
          .toList();
      assertEquals(List.of("plan", "cordon", "drain", "confirm", "uncordon"), steps, text);
      assertTrue(text.contains("default/mysql-0: kube-node02 → kube-node01, pvc-mysql-0 → pv1, Ready"), text);
      assertTrue(text.contains("completed  CHG-1042  kube-node02  succeeded in"), text);
      assertMoved(session, "kube-node01");
      assertFalse(text.contains("Exception"), text);
    }
  }

  @Test
  void the_one_shot_demo_moves_mysql_0_with_the_command_line() {
    try (Demo.Session session = demo("--one-shot")) {
      String text = printed();
      assertEquals(0, session.exitCode(), text + err);
      assertTrue(text.contains("default/mysql-0: kube-node02 → kube-node01, pvc-mysql-0 → pv1, Ready"), text);
      assertTrue(text.contains("SUCCEEDED in"), text);
      assertTrue(text.contains("kube-node02 is schedulable"), text);
      assertMoved(session, "kube-node01");
      assertFalse(text.contains("Exception"), text);
    }
  }

  /** What kubectl shows afterwards, read from the cluster itself. */
  private static void assertMoved(Demo.Session session, String to) {
    Pod mysql = session.cluster().client().pods().inNamespace("default").withName("mysql-0").get();
    assertEquals(to, mysql.getSpec().getNodeName());
    assertEquals("pv1", session.cluster().client().persistentVolumeClaims().inNamespace("default")
        .withName("pvc-mysql-0").get().getSpec().getVolumeName());
    assertFalse(Boolean.TRUE.equals(session.cluster().client().nodes().withName("kube-node02").get().getSpec()
        .getUnschedulable()));
  }

  @Test
  void with_a_blocking_budget_the_ticket_fails_naming_it_and_kube_node02_is_uncordoned() {
    // The README's --pdb ends after a drain timeout of 15 s; the same run with a shorter one, so that the test does
    // not wait those 15 s (the timeout reaches the run the same way, in the ticket's options).
    assertEquals("15s", DemoOptions.parse(List.of("--pdb")).drainTimeout());
    try (Demo.Session session = demo("--pdb", "--drain-timeout", "5s")) {
      String text = printed();
      assertEquals(1, session.exitCode(), text);
      assertTrue(text.contains("default/mysql-0 blocked by PodDisruptionBudget default/mysql"), text);
      assertTrue(text.lines().anyMatch(l -> l.contains("failed     CHG-1042") && l.contains("node left schedulable")
          && l.contains("PodDisruptionBudget default/mysql")), text);
      assertEquals("kube-node02", session.cluster().client().pods().inNamespace("default").withName("mysql-0").get()
          .getSpec().getNodeName());
      assertFalse(Boolean.TRUE.equals(session.cluster().client().nodes().withName("kube-node02").get().getSpec()
          .getUnschedulable()));
    }
  }

  @Test
  void kept_running_the_cluster_answers_as_kubectl_expects_and_takes_another_run() throws Exception {
    try (Demo.Session session = demo("--keep-running")) {
      assertEquals(0, session.exitCode(), printed());
      assertTrue(printed().contains("export KUBECONFIG=" + session.kubeconfig()), printed());
      String url = session.cluster().masterUrl();
      HttpClient http = HttpClient.newHttpClient();
      // kubectl: discovery first (aggregated, as kubectl v1.32 asks), then the list as a Table.
      JsonObject api = get(http, url + "/api", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
          + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json");
      assertNotNull(api.getJsonArray("items"), api.encode());
      get(http, url + "/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
      JsonObject table = get(http, url + "/api/v1/namespaces/default/pods?limit=500",
          "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json");
      assertEquals("Table", table.getString("kind"));
      List<String> columns = new ArrayList<>();
      JsonArray defs = table.getJsonArray("columnDefinitions");
      for (int i = 0; i < defs.size(); i++) {
        columns.add(defs.getJsonObject(i).getString("name"));
      }
      assertEquals(List.of("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node",
          "Readiness Gates"), columns);
      JsonArray cells = table.getJsonArray("rows").getJsonObject(0).getJsonArray("cells");
      assertEquals("mysql-0", cells.getString(0));
      assertEquals("kube-node01", cells.getString(6));

      // The production command line, against the kept cluster: takes kube-node01 and moves mysql-0 back.
      ByteArrayOutputStream second = new ByteArrayOutputStream();
      int code = Main.run(new String[] {"run", "--node", "kube-node01", "--kubeconfig", session.kubeconfig().toString()},
          new PrintStream(second, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
      String text = second.toString(StandardCharsets.UTF_8);
      assertEquals(0, code, text + err);
      assertTrue(text.contains("default/mysql-0: kube-node01 → kube-node02, pvc-mysql-0 → pv1"), text);
    }
  }

  private static JsonObject get(HttpClient http, String url, String accept) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", accept)
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + " → " + r.body());
    return new JsonObject(r.body());
  }
}
