package dev.takeover.logs;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped logback.xml, read as the jar reads it, in each format: what an operator's log collector (json) or
 * eyes (plain) get on stderr, with a run's keys on its lines and on no other.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class LogFormatTest {
  static final RunKeys RUN = new RunKeys("CHG-1042", "run-5d0c1a2b", "kube-node02");

  /** The lines the shipped configuration writes to stderr in {@code format} while {@code logging} runs. */
  static List<String> stderr(String format, Consumer<Logger> logging) throws Exception {
    LoggerContext context = new LoggerContext();
    // The MDC that org.slf4j.MDC (and so RunKeys) writes to: the one of the JVM's logging.
    context.setMDCAdapter(((LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory()).getMDCAdapter());
    context.putProperty(LogFormat.PROPERTY, format);
    context.putProperty("takeover.log.level", "INFO");
    // The command line's time of day, whatever a daemon started earlier in this JVM set (Main sets a date for one).
    context.putProperty("takeover.log.time", "HH:mm:ss.SSS");
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(LogFormat.class.getResource("/logback.xml"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream before = System.err;
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      logging.accept(context.getLogger("dev.takeover.tickets"));
    } finally {
      System.setErr(before);
      context.stop();
    }
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void json_lines_are_one_object_each_with_the_runs_keys_as_fields_on_its_lines_only() throws Exception {
    List<String> lines = stderr("json", log -> {
      RUN.during(() -> log.info("CHG-1042 kube-node02 started: run run-5d0c1a2b"));
      log.info("schedule rebuilt from the state topic: 0 tickets");
      RUN.during(() -> log.warn("failed", new IllegalStateException("the engine broke\nsecond line")));
    });

    assertEquals(3, lines.size(), lines.toString());
    JsonObject run = new JsonObject(lines.get(0));
    assertEquals("CHG-1042 kube-node02 started: run run-5d0c1a2b", run.getString("message"));
    assertEquals("INFO", run.getString("level"));
    assertEquals("dev.takeover.tickets", run.getString("logger_name"));
    assertEquals("CHG-1042", run.getString("ticket"));
    assertEquals("run-5d0c1a2b", run.getString("run"));
    assertEquals("kube-node02", run.getString("node"));
    assertTrue(run.getString("@timestamp").endsWith("Z"), "UTC: " + run.getString("@timestamp"));
    JsonObject other = new JsonObject(lines.get(1));
    assertNull(other.getValue("ticket"));
    assertNull(other.getValue("run"));
    assertNull(other.getValue("node"));
    // A stack trace stays inside its line, as a field.
    JsonObject failed = new JsonObject(lines.get(2));
    assertTrue(failed.getString("stack_trace").contains("the engine broke"), failed.encode());
    assertEquals("run-5d0c1a2b", failed.getString("run"));
  }

  @Test
  void plain_lines_name_the_run_before_the_message_and_other_lines_read_as_before() throws Exception {
    List<String> lines = stderr("plain", log -> {
      RUN.during(() -> log.info("started"));
      log.info("schedule rebuilt");
    });

    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  d.takeover.tickets - "
        + "\\[ticket=CHG-1042 run=run-5d0c1a2b node=kube-node02] started"), lines.get(0));
    assertTrue(lines.get(1).endsWith("INFO  d.takeover.tickets - schedule rebuilt"), lines.get(1));
  }

  @Test
  void a_scope_puts_back_what_was_there_and_a_missing_key_is_left_out() {
    RUN.during(() -> {
      new RunKeys("CHG-2000", null, "kube-node01").during(() -> {
        assertEquals("CHG-2000", org.slf4j.MDC.get(RunKeys.TICKET));
        assertNull(org.slf4j.MDC.get(RunKeys.RUN), "never the outer run's id on another ticket's line");
      });
      assertEquals("run-5d0c1a2b", org.slf4j.MDC.get(RunKeys.RUN));
    });
    assertNull(org.slf4j.MDC.get(RunKeys.TICKET));
    assertNull(org.slf4j.MDC.get(RunKeys.NODE));
  }

  @Test
  void the_format_is_json_or_plain_and_an_operators_own_logback_configuration_is_left_alone() {
    assertEquals(LogFormat.PLAIN, LogFormat.parse(" Plain "));
    assertEquals(LogFormat.JSON, LogFormat.parse("json"));
    assertEquals("must be json or plain, got 'text'",
        assertThrows(IllegalArgumentException.class, () -> LogFormat.parse("text")).getMessage());
    // The tests' logback-test.xml has neither appender: like -Dlogback.configurationFile, it is not replaced.
    String before = System.getProperty(LogFormat.PROPERTY);
    try {
      assertFalse(LogFormat.PLAIN.apply());
    } finally {
      if (before == null) {
        System.clearProperty(LogFormat.PROPERTY);
      } else {
        System.setProperty(LogFormat.PROPERTY, before);
      }
    }
  }

  @Test
  void the_daemon_logs_json_unless_log_format_or_takeover_log_format_says_plain() {
    java.util.Map<String, String> none = java.util.Map.of("HOSTNAME", "t");
    assertEquals(LogFormat.JSON, dev.takeover.daemon.DaemonConfigLoader.from(new JsonObject(), none).logFormat());
    JsonObject plain = new JsonObject().put("log", new JsonObject().put("format", "plain"));
    assertEquals(LogFormat.PLAIN, dev.takeover.daemon.DaemonConfigLoader.from(plain, none).logFormat());
    assertEquals(LogFormat.JSON, dev.takeover.daemon.DaemonConfigLoader.from(plain,
        java.util.Map.of("HOSTNAME", "t", "TAKEOVER_LOG_FORMAT", "json")).logFormat());
    assertEquals("log.format (TAKEOVER_LOG_FORMAT): must be json or plain, got 'xml'",
        assertThrows(RuntimeException.class, () -> dev.takeover.daemon.DaemonConfigLoader.from(new JsonObject(),
            java.util.Map.of("TAKEOVER_LOG_FORMAT", "xml"))).getMessage());
  }
}
