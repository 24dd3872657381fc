package dev.takeover.cli;

import dev.takeover.config.FailurePolicy;
import dev.takeover.ticket.Ticket;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CommandLineTest {

  private static Command.Execute parse(String line) {
    return (Command.Execute) CommandLine.parse(Arrays.asList(line.split(" ")), "alice");
  }

  @Test
  void a_plain_run_is_a_takeover_ticket_from_the_cli_with_the_default_settings() {
    Command.Execute c = parse("run --node kube-node02");
    assertEquals("kube-node02", c.ticket().node());
    assertEquals(Ticket.Kind.TAKEOVER, c.ticket().kind());
    assertEquals("cli", c.ticket().source());
    assertEquals("alice", c.ticket().requester());
    assertEquals(Ticket.Options.defaults(), c.ticket().options());
    assertEquals(1, c.config().maxNodesInMaintenance());
    assertEquals(FailurePolicy.UNCORDON, c.config().onFailure());
  }

  @Test
  void every_run_option_reaches_the_ticket_or_the_config() {
    Command.Execute c = parse("run --node n1 --dry-run --keep-cordoned --delete-emptydir-data --force"
        + " --allow-local-volumes --allow-control-plane --drain-timeout PT2M --confirm-timeout=90s"
        + " --max-nodes-in-maintenance 2 --on-failure keep-cordoned --reason kernel --requester bob"
        + " --kubeconfig /tmp/kc --context sim");
    Ticket.Options o = c.ticket().options();
    assertTrue(o.dryRun() && o.keepCordoned() && o.deleteEmptyDirData() && o.force() && o.allowLocalVolumes()
        && o.allowControlPlane());
    assertEquals(Duration.ofMinutes(2), o.drainTimeout());
    assertEquals(Duration.ofSeconds(90), o.confirmTimeout());
    assertEquals(2, c.config().maxNodesInMaintenance());
    assertEquals(FailurePolicy.KEEP_CORDONED, c.config().onFailure());
    assertEquals("kernel", c.ticket().reason());
    assertEquals("bob", c.ticket().requester());
    assertEquals(Path.of("/tmp/kc"), c.kubeconfig());
    assertEquals("sim", c.context());
  }

  @Test
  void release_is_a_release_ticket() {
    Command.Execute c = parse("release --node kube-node02");
    assertEquals(Ticket.Kind.RELEASE, c.ticket().kind());
    assertFalse(c.ticket().options().dryRun());
  }

  @Test
  void help_and_version_need_no_cluster() {
    assertInstanceOf(Command.Help.class, CommandLine.parse(List.of("--help"), ""));
    assertInstanceOf(Command.Help.class, CommandLine.parse(List.of("run", "--help"), ""));
    assertInstanceOf(Command.Version.class, CommandLine.parse(List.of("--version"), ""));
  }

  static Stream<Arguments> wrongArguments() {
    return Stream.of(
        Arguments.of("nothing at all", "", "no command given"),
        Arguments.of("an unknown command", "drain --node x", "unknown command 'drain' (expected run or release)"),
        Arguments.of("a run without a node", "run --dry-run", "run needs --node NODE"),
        Arguments.of("an option without its value", "run --node", "--node needs a value"),
        Arguments.of("an unknown option", "run --node x --ignore-daemonsets", "unknown option --ignore-daemonsets"),
        Arguments.of("a node name the API server would reject", "run --node Kube_Node",
            "'Kube_Node' is not a valid node name (lower-case letters, digits, '-' and '.')"),
        Arguments.of("a timeout that is not a duration", "run --node x --drain-timeout soon",
            "--drain-timeout: 'soon' is not a duration (try PT10M or 10m)"),
        Arguments.of("a zero timeout", "run --node x --confirm-timeout 0s", "--confirm-timeout must be more than zero"),
        Arguments.of("a failure policy that does not exist", "run --node x --on-failure panic",
            "--on-failure is uncordon or keep-cordoned, not 'panic'"),
        Arguments.of("no room for any node", "run --node x --max-nodes-in-maintenance 0",
            "--max-nodes-in-maintenance needs a whole number of at least 1, got '0'"),
        Arguments.of("a run option given to release", "release --node x --dry-run",
            "release takes --node (and --kubeconfig, --context, --reason, --requester), not --dry-run"));
  }

  @ParameterizedTest(name = "{0} gives one line: {2}")
  @MethodSource("wrongArguments")
  void wrong_arguments_give_one_clear_line(String sentence, String line, String message) {
    List<String> args = line.isEmpty() ? List.of() : Arrays.asList(line.split(" "));
    UsageError e = assertThrows(UsageError.class, () -> CommandLine.parse(args, "alice"));
    assertEquals(message, e.getMessage());
  }

  @Test
  void durations_are_read_in_iso_and_short_form() {
    assertEquals(Duration.ofMinutes(10), Durations.parse("PT10M"));
    assertEquals(Duration.ofMinutes(10), Durations.parse("10m"));
    assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("10 m"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("m10"));
  }
}
