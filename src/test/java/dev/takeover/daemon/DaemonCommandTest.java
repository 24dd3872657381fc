package dev.takeover.daemon;

import dev.takeover.Main;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code takeover daemon} stopped before it starts: a wrong config or a wrong argument is one line on stderr and
 * exit code 2, and no daemon is started (none of these get as far as Kubernetes or Kafka).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonCommandTest {
  @TempDir
  Path dir;

  record Outcome(int code, String err) {
    /** The one line written, checked to be the only one. */
    String line() {
      List<String> lines = err.lines().toList();
      assertEquals(1, lines.size(), () -> "not one line: " + err);
      DaemonConfigLoaderTest.assertOneLine(lines.get(0));
      return lines.get(0);
    }
  }

  static Outcome daemon(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = DaemonCommand.run(List.of(args), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, err.toString(StandardCharsets.UTF_8));
  }

  Path file(String yaml) throws IOException {
    return Files.writeString(dir.resolve("takeover.yaml"), yaml);
  }

  @Test
  void a_wrong_setting_in_the_config_is_one_line_naming_the_key_and_exit_code_2() throws IOException {
    Path bad = file("engine:\n  drainTimeout: soon\n");
    Outcome o = daemon("--config", bad.toString());
    assertEquals(2, o.code());
    assertEquals("takeover: engine.drainTimeout: 'soon' is not an ISO-8601 duration such as PT10M", o.line());
  }

  @Test
  void the_config_may_be_given_as_one_argument_and_a_misspelt_key_is_named() throws IOException {
    Path bad = file("engine:\n  maxNodesInMaintenence: 2\n");
    Outcome o = daemon("--config=" + bad);
    assertEquals(2, o.code());
    assertEquals("takeover: engine.maxNodesInMaintenence: unknown setting (did you mean engine.maxNodesInMaintenance?)",
        o.line());
  }

  @Test
  void a_config_file_that_is_missing_is_named() {
    Path missing = dir.resolve("missing.yaml");
    Outcome o = daemon("--config", missing.toString());
    assertEquals(2, o.code());
    assertEquals("takeover: config file " + missing + ": no such file", o.line());
  }

  @Test
  void a_config_file_that_is_not_yaml_is_named_with_where() throws IOException {
    Path bad = file("engine:\n  drainTimeout: [PT1M\n");
    Outcome o = daemon("--config", bad.toString());
    assertEquals(2, o.code());
    assertTrue(o.line().startsWith("takeover: config file " + bad + ": not valid YAML at line 3"), o.line());
  }

  @Test
  void an_unknown_argument_is_one_line_with_the_usage() {
    Outcome o = daemon("--verbose");
    assertEquals(2, o.code());
    assertEquals("takeover: daemon takes --config FILE and --kubeconfig FILE, not --verbose; usage: " + DaemonCommand.USAGE, o.line());
  }

  @Test
  void config_without_a_file_says_so() {
    for (String[] args : List.of(new String[] {"--config"}, new String[] {"--config="})) {
      Outcome o = daemon(args);
      assertEquals(2, o.code());
      assertEquals("takeover: --config needs a FILE; usage: " + DaemonCommand.USAGE, o.line());
    }
  }

  @Test
  void the_jar_s_main_passes_the_daemon_subcommand_its_arguments() throws IOException {
    Path bad = file("engine:\n  onFailure: reboot\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"daemon", "--config", bad.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code);
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    assertEquals("takeover: engine.onFailure: must be uncordon or keep-cordoned, got 'reboot'",
        new Outcome(code, err.toString(StandardCharsets.UTF_8)).line());
  }
}
