package dev.takeover.demo;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kcat commands the kept-running demo prints (and the README shows), run as written by a shell: publish a ticket
 * that moves mysql-0 back, follow the events until it completes, and read why a bad record was dead-lettered.
 * kcat is a Debian package, not something the build can fetch: without it on PATH these checks are skipped.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class KcatOnDemoTest {
  @TempDir
  Path dir;

  @Test
  void the_printed_kcat_commands_publish_a_ticket_follow_its_events_and_show_dead_letters() throws Exception {
    Assumptions.assumeTrue(PrintedCommands.onPath("kcat"), "kcat not on PATH (Debian package kcat): skipping the kcat commands of the demo");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Demo.Session session = Demo.start(DemoOptions.parse(List.of("--keep-running", "--kubeconfig",
        dir.resolve("kubeconfig").toString())), new PrintStream(out, true, StandardCharsets.UTF_8), System.err)) {
      String printed = out.toString(StandardCharsets.UTF_8);
      assertEquals(0, session.exitCode(), printed);

      PrintedCommands.shell(PrintedCommands.command(printed, "# moves mysql-0 back"));
      String follow = PrintedCommands.command(printed, "# follow the events");
      Process kcat = new ProcessBuilder("bash", "-c", "exec " + follow).redirectErrorStream(true).start();
      List<String> lines = new ArrayList<>();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(kcat.getInputStream(), StandardCharsets.UTF_8))) {
        // Bounded by the watchdog below: kcat follows for ever, so it is killed once the run has ended or at 120 s.
        Thread watchdog = new Thread(() -> {
          try {
            if (!kcat.waitFor(120, TimeUnit.SECONDS)) {
              kcat.destroy();
            }
          } catch (InterruptedException e) {
            kcat.destroy();
          }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          lines.add(line);
          if (line.startsWith("CHG-1043 ") && (line.contains("ticket.completed") || line.contains("ticket.failed"))) {
            break;
          }
        }
      } finally {
        kcat.destroy();
      }
      String events = String.join("\n", lines);
      assertTrue(events.contains("\"type\":\"dev.takeover.ticket.completed\""), events);
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("CHG-1043 ") && l.contains("ticket.completed")), events);
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("CHG-1042 ") && l.contains("ticket.completed")), events);
      assertEquals("kube-node02", session.cluster().client().pods().inNamespace("default").withName("mysql-0").get()
          .getSpec().getNodeName());

      String publish = PrintedCommands.command(printed, "# moves mysql-0 back");
      String bootstrap = publish.substring(publish.indexOf("kcat -b ") + 8).split(" ")[0];
      PrintedCommands.shell("echo 'not json' | kcat -b " + bootstrap + " -t takeover.tickets -P -k kube-node01");
      String dlq = PrintedCommands.command(printed, "# what was refused");
      String refused = "";
      for (int i = 0; i < 60 && !refused.contains("takeover.error=not-json"); i++) {
        refused = PrintedCommands.shell(dlq); // -e: reads what is there and exits; polled until the dead letter is there
      }
      assertTrue(refused.contains("takeover.error=not-json"), refused);
      assertTrue(refused.contains("not json"), refused);
    }
  }
}
