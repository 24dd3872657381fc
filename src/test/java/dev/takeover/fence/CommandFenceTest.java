package dev.takeover.fence;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.engine.Fence;
import dev.takeover.logs.LogCapture;
import dev.takeover.sim.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fencing hook as a command, with small shell scripts playing {@code ipmitool} or a cloud CLI: what they are given,
 * what Takeover makes of their exit and output, and that one which hangs is killed with what it started.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CommandFenceTest {
  /** For a script that ends by itself: generous, so that a loaded machine never turns an exit into a timeout. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  final Vertx vertx = Vertx.vertx();
  @TempDir
  Path dir;

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  Path script(String name, String body) throws Exception {
    Path script = dir.resolve(name);
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  Fence fence(Duration timeout, String... command) {
    return Fences.from(vertx, new DaemonConfig.Fencing("", "", List.of(command), timeout));
  }

  /** The hook's answer, asked from a Vert.x context; checks it arrives on that same context. */
  Future<String> powerOff(Fence fence, String node) throws Exception {
    Context caller = vertx.getOrCreateContext();
    CompletableFuture<Future<String>> result = new CompletableFuture<>();
    caller.runOnContext(v -> fence.powerOff(node, "T-" + node, "node " + node + " down for 10m").onComplete(ar -> {
      assertSame(caller, Vertx.currentContext(), "completed on the caller's context");
      result.complete(ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause()));
    }));
    return result.get(30, TimeUnit.SECONDS);
  }

  String failure(Fence fence, String node) throws Exception {
    Future<String> f = powerOff(fence, node);
    assertTrue(f.failed(), () -> "expected a failure, got " + f.result());
    String message = f.cause().getMessage();
    assertFalse(message.contains("\n"), () -> "one line: " + message);
    return message;
  }

  @Test
  void exit_0_means_powered_off_and_the_command_got_the_node_the_ticket_and_the_reason() throws Exception {
    Path call = dir.resolve("call.txt");
    Path fake = script("fence-ok.sh", """
        for a in "$@"; do echo "arg:$a"; done > %s
        echo "env:$TAKEOVER_NODE|$TAKEOVER_TICKET|$TAKEOVER_REASON" >> %s
        read -r line; echo "stdin:$?" >> %s
        echo
        echo "Chassis Power Control: Down/Off"
        echo "more detail"
        """.formatted(call, call, call));
    Fence fence = fence(TIMEOUT, fake.toString(), "-H", "bmc-{node}.mgmt", "--ticket={ticket}", "{node} as is");
    assertEquals("command " + fake, fence.describe());
    try (LogCapture log = LogCapture.of(CommandFence.class)) {
      Future<String> done = powerOff(fence, "worker-2");
      assertTrue(done.succeeded(), () -> String.valueOf(done.cause()));
      assertEquals("command " + fake + " exited 0: Chassis Power Control: Down/Off", done.result());
      String line = log.await(l -> l.contains("worker-2"), Duration.ofSeconds(5));
      assertTrue(line.matches("INFO fencing node worker-2 \\(ticket T-worker-2\\) with command .*/fence-ok\\.sh"
          + ": powered off in \\d+ ms \\(.*\\)"), line);
    }
    assertEquals(List.of("arg:-H", "arg:bmc-worker-2.mgmt", "arg:--ticket=T-worker-2", "arg:worker-2 as is",
        "env:worker-2|T-worker-2|node worker-2 down for 10m", "stdin:1"), Files.readAllLines(call),
        "no shell: one argument stays one; stdin is at its end");
  }

  @Test
  void a_non_zero_exit_fails_with_the_code_and_the_last_line_it_wrote() throws Exception {
    Path fake = script("fence-fails.sh", """
        echo "Connecting to bmc-$1"
        echo "Error: Unable to establish IPMI v2 / RMCP+ session" >&2
        echo "" >&2
        exit 3
        """);
    try (LogCapture log = LogCapture.of(CommandFence.class)) {
      String message = failure(fence(TIMEOUT, fake.toString(), "{node}", "--password=canary-arg-4d"), "worker-2");
      assertEquals("fencing command exited 3: Error: Unable to establish IPMI v2 / RMCP+ session", message);
      String line = log.await(l -> l.contains("worker-2"), Duration.ofSeconds(5));
      assertTrue(line.contains(": failed after ") && line.contains("exited 3"), line);
      assertFalse(line.contains("canary-arg-4d"), "arguments are not logged: " + line);
    }
  }

  @Test
  void a_command_that_writes_much_is_read_to_its_end_and_its_last_line_kept() throws Exception {
    // 700 KB: more than a pipe holds, so a command nobody reads would block on its writes until the timeout.
    Path fake = script("fence-chatty.sh", """
        seq 1 100000
        echo "power off refused: node is locked" >&2
        exit 1
        """);
    assertEquals("fencing command exited 1: power off refused: node is locked",
        failure(fence(TIMEOUT, fake.toString()), "worker-2"));
  }

  @Test
  void a_command_that_outlives_the_timeout_is_killed_with_the_processes_it_started() throws Exception {
    Path pids = dir.resolve("pids");
    Path fake = script("fence-hangs.sh", """
        sleep 60 &
        echo "$$ $!" > %s.tmp && mv %s.tmp %s
        wait
        """.formatted(pids, pids, pids));
    long start = System.nanoTime();
    String message = failure(fence(Duration.ofSeconds(1), fake.toString()), "worker-2");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals("fencing command did not finish within PT1S", message);
    assertTrue(ms >= 900 && ms < 8000, "failed after " + ms + " ms");
    String[] both = Files.readString(pids).trim().split(" ");
    for (String pid : both) {
      Await.await("process " + pid + " gone", Duration.ofSeconds(5), () -> gone(Long.parseLong(pid)));
    }
  }

  /** Gone, or a zombie waiting to be reaped by whoever adopted it: it runs no more. */
  static boolean gone(long pid) {
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
      } catch (java.io.IOException e) {
        return true;
      }
    }
    return true;
  }

  @Test
  void a_missing_executable_fails_with_one_line() throws Exception {
    Path missing = dir.resolve("no-such-fence");
    assertEquals("fencing command " + missing + " cannot be started: No such file or directory",
        failure(fence(TIMEOUT, missing.toString(), "{node}"), "worker-2"));
  }

  @Test
  void a_file_that_is_not_executable_fails_with_one_line() throws Exception {
    Path plain = dir.resolve("fence.txt");
    Files.writeString(plain, "not a program");
    assertEquals("fencing command " + plain + " cannot be started: Permission denied",
        failure(fence(TIMEOUT, plain.toString()), "worker-2"));
  }

  @Test
  void output_is_kept_bounded_its_first_and_its_last_lines() {
    CommandFence.Output output = new CommandFence.Output();
    byte[] first = "first line\n".getBytes();
    output.add(first, first.length);
    byte[] filler = ("x".repeat(99) + "\n").getBytes();
    for (int i = 0; i < 1000; i++) {
      output.add(filler, filler.length);
    }
    byte[] last = "last words\n".getBytes();
    output.add(last, last.length);
    String text = output.text();
    assertTrue(text.length() <= CommandFence.Output.HEAD + CommandFence.Output.TAIL + 1, "bounded: " + text.length());
    assertEquals("first line", Fences.firstLine(text));
    assertEquals("last words", Fences.lastLine(text));
  }
}
