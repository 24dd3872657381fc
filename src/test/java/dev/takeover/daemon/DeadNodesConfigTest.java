package dev.takeover.daemon;

import dev.takeover.config.RecoveryConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deadNodes settings: policies by label selector, the guards, the fencing hook, and what is refused at start. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeadNodesConfigTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void start() {
    DaemonConfigLoaderTest.start();
  }

  @AfterAll
  static void stop() {
    DaemonConfigLoaderTest.stop();
  }

  static Path file(String yaml) {
    try {
      return Files.writeString(Files.createTempFile(dir, "takeover", ".yaml"), yaml);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void by_default_dead_nodes_are_only_reported() {
    DaemonConfig.DeadNodes d = DaemonConfigLoaderTest.load(null, Map.of()).deadNodes();
    assertEquals(RecoveryConfig.defaults().defaultPolicy(), d.recovery().defaultPolicy());
    assertEquals(RecoveryConfig.Policy.NOTIFY, d.recovery().policyOf(Map.of("pool", "db")));
    assertEquals(Duration.ofMinutes(10), d.recovery().recoverAfter());
    assertFalse(d.recovery().partitioned(1, 3));
    assertTrue(d.recovery().partitioned(2, 3));
    assertTrue(d.recovery().outOfServiceTaint());
    assertFalse(d.fencing().configured());
  }

  @Test
  void automatic_nodes_with_a_fencing_command_and_manual_ones_by_selector() {
    DaemonConfig.DeadNodes d = DaemonConfigLoaderTest.load(file("""
        deadNodes:
          automatic: "pool=db, topology.kubernetes.io/zone in (a,b)"
          manual: pool
          recoverAfter: PT15M
          maxDownShare: 0.5
          outOfServiceTaint: false
          fencing:
            command: [/usr/local/bin/fence, --node, "{node}"]
            timeout: PT30S
        """), Map.of()).deadNodes();
    assertEquals(RecoveryConfig.Policy.AUTOMATIC, d.recovery().policyOf(Map.of("pool", "db",
        "topology.kubernetes.io/zone", "b")));
    assertEquals(RecoveryConfig.Policy.MANUAL, d.recovery().policyOf(Map.of("pool", "web")));
    assertEquals(Duration.ofMinutes(15), d.recovery().recoverAfter());
    assertFalse(d.recovery().partitioned(1, 2), "exactly half is not more than half");
    assertFalse(d.recovery().outOfServiceTaint());
    assertEquals(List.of("/usr/local/bin/fence", "--node", "{node}"), d.fencing().command());
    assertEquals(Duration.ofSeconds(30), d.fencing().timeout());
  }

  @Test
  void the_fencing_token_comes_from_the_environment_and_is_never_shown() {
    DaemonConfig c = DaemonConfigLoaderTest.load(null, Map.of("TAKEOVER_DEAD_NODES_POLICY", "automatic",
        "TAKEOVER_DEAD_NODES_FENCING_URL", "https://bmc-relay.example:8443/fence",
        "TAKEOVER_DEAD_NODES_FENCING_TOKEN", "canary-fence-token-7f3"));
    assertEquals(RecoveryConfig.Policy.AUTOMATIC, c.deadNodes().recovery().policyOf(Map.of()));
    assertEquals("canary-fence-token-7f3", c.deadNodes().fencing().token());
    assertFalse(c.deadNodes().fencing().toString().contains("canary-fence-token-7f3"));
    assertFalse(c.deadNodes().fencing().toString().contains("bmc-relay"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      automatic without a hook          | deadNodes:\\n  automatic: pool=db                 | deadNodes.automatic: automatic recovery needs a fencing hook
      automatic default without a hook  | deadNodes:\\n  policy: automatic                  | deadNodes.policy: automatic recovery needs a fencing hook
      an unknown policy                 | deadNodes:\\n  policy: reboot                     | deadNodes.policy: must be notify, manual or automatic, not 'reboot'
      a selector that does not parse    | deadNodes:\\n  manual: 'pool in (a'               | deadNodes.manual: 'pool in (a' is not a label selector
      a share above one                 | deadNodes:\\n  maxDownShare: 3/2                  | deadNodes.maxDownShare: must be more than 0 and at most 1
      a share that is no number         | deadNodes:\\n  maxDownShare: a third              | deadNodes.maxDownShare: 'a third' is not a share
      a taint switch that is no boolean | deadNodes:\\n  outOfServiceTaint: maybe           | deadNodes.outOfServiceTaint: must be true or false
      two hooks                         | deadNodes:\\n  fencing:\\n    url: https://f.example/x\\n    command: [/bin/true] | deadNodes.fencing.url and deadNodes.fencing.command: both set
      a hook URL that is no URL         | deadNodes:\\n  fencing:\\n    url: 'ftp://f.example' | deadNodes.fencing.url: must be an http or https URL
      """)
  void a_wrong_dead_node_setting_stops_the_start_with_one_line(String kind, String yaml, String expected) {
    ConfigError e = DaemonConfigLoaderTest.failure(file(yaml.replace("\\n", "\n")), Map.of());
    assertTrue(e.getMessage().startsWith(expected), () -> kind + ": '" + e.getMessage() + "' does not start with '"
        + expected + "'");
  }
}
