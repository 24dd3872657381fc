package dev.takeover.fence;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.takeover.logs.LogCapture;
import dev.takeover.logs.RunKeys;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A fencing hook knows nothing of runs, and says how it went from a thread of its own (the command's exit, the HTTP
 * answer): its line still carries the keys of the run that asked, taken on the asking thread.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FenceLogKeysTest {
  @Test
  void the_hooks_line_carries_the_keys_of_the_run_that_asked_and_the_asking_thread_keeps_none() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (LogCapture logs = LogCapture.ofTree("dev.takeover.fence", Level.INFO)) {
      CommandFence fence = new CommandFence(vertx, List.of("true"), Duration.ofSeconds(30));
      RunKeys run = new RunKeys("CHG-7", "run-0f3a", "kube-node03");
      String account = run.within(() -> fence.powerOff("kube-node03", "CHG-7", "down")).await(30, TimeUnit.SECONDS);

      ILoggingEvent line = logs.events().stream().filter(e -> e.getFormattedMessage().contains("powered off"))
          .findFirst().orElseThrow(() -> new AssertionError("no line of the hook; " + account + "; " + logs.lines()));
      assertEquals(Map.of(RunKeys.TICKET, "CHG-7", RunKeys.RUN, "run-0f3a", RunKeys.NODE, "kube-node03"),
          line.getMDCPropertyMap());
      assertEquals(RunKeys.NONE, RunKeys.current(), "the scope ended with the call");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
