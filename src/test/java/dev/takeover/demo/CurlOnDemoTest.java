package dev.takeover.demo;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static dev.takeover.demo.PrintedCommands.command;
import static dev.takeover.demo.PrintedCommands.shell;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The curl commands the kept-running demo prints (and the README shows), run as written by a shell: a ticket over
 * HTTP, its state, a node's plan, the probes and the metrics. Skipped where curl is not installed.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CurlOnDemoTest {
  @TempDir
  Path dir;

  @Test
  void the_printed_curl_commands_post_a_ticket_read_its_state_and_plan_and_scrape_the_metrics() throws Exception {
    Assumptions.assumeTrue(PrintedCommands.onPath("curl"), "curl not on PATH: skipping the curl commands of the demo");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Demo.Session session = Demo.start(DemoOptions.parse(List.of("--keep-running", "--http-port", "0",
        "--kubeconfig", dir.resolve("kubeconfig").toString())), new PrintStream(out, true, StandardCharsets.UTF_8),
        System.err)) {
      String printed = out.toString(StandardCharsets.UTF_8);
      assertEquals(0, session.exitCode(), printed);

      JsonObject taken = new JsonObject(shell(command(printed, "# a ticket over HTTP")));
      assertEquals("CHG-1044", taken.getString("ticket"), taken.encode());
      JsonObject state = new JsonObject(shell(command(printed, "# its state and history")));
      assertEquals("done", state.getString("state"), state.encode());
      assertTrue(state.getJsonArray("history").stream().map(e -> ((JsonObject) e).getString("type")).toList()
          .contains("completed"), state.encode());
      JsonObject plan = new JsonObject(shell(command(printed, "# what a run would do")));
      assertTrue(plan.getString("summary").contains("to evict"), plan.encode());
      if (PrintedCommands.onPath("openssl")) {
        JsonObject slack = new JsonObject(shell(command(printed, "# a signed Slack command")));
        assertEquals("ephemeral", slack.getString("response_type"), slack.encode());
        assertTrue(slack.getString("text").contains("ticket slack-"), slack.encode());
        assertTrue(slack.getString("text").contains("to evict"), "the plan's summary: " + slack.encode());
      }
      JsonObject alerted = new JsonObject(shell(command(printed, "# an alert asks for a takeover")));
      String alertTicket = alerted.getJsonArray("tickets").getJsonObject(0).getString("ticket");
      assertTrue(alertTicket.startsWith("am-"), alerted.encode());
      // The alert's run moves mysql-0 back to kube-node02: the cluster shows it.
      session.cluster().client().pods().inNamespace("default").withName("mysql-0").waitUntilCondition(
          CurlOnDemoTest::readyOnNode02, 90, java.util.concurrent.TimeUnit.SECONDS);
      String probes = shell(command(printed, "# probes, metrics"));
      assertTrue(probes.contains("\"ready\":true"), probes);
      assertTrue(probes.contains("takeover_http_requests_total"), probes);
      assertTrue(probes.contains("takeover_tickets_total{result=\"accepted\",source=\"alertmanager\"} 1.0"), probes);
    }
  }

  private static boolean readyOnNode02(io.fabric8.kubernetes.api.model.Pod p) {
    return p != null && p.getMetadata().getDeletionTimestamp() == null && "kube-node02".equals(p.getSpec().getNodeName())
        && p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
