package dev.takeover.kafka;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft broker (Kafka's own test kit) in the test JVM, started once and shared by every test
 * that needs Kafka; closed when the JVM exits. Tests keep out of each other's way with topics and groups of their
 * own ({@link #unique(String)}). Tests that restart a broker start one of their own with {@link #restartable()}.
 */
public final class TestBroker {
  private static KafkaClusterTestKit shared;

  private TestBroker() {}

  /** The shared broker's bootstrap address, starting it on first use (1–2 s). */
  public static synchronized String bootstrap() {
    if (shared == null) {
      shared = start();
      KafkaClusterTestKit cluster = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          cluster.close();
        } catch (Exception e) {
          // The JVM is exiting.
        }
      }, "test-broker-stop"));
    }
    return shared.bootstrapServers();
  }

  /** A broker of the caller's own (to stop and start); the caller closes it. */
  public static KafkaClusterTestKit start() {
    keepTheJvmOurs();
    try {
      KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
          .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
          .setConfigProp("offsets.topic.replication.factor", "1")
          .setConfigProp("transaction.state.log.replication.factor", "1")
          .setConfigProp("transaction.state.log.min.isr", "1")
          // The state store writes in transactions: 4 partitions of the coordinator's log, not 50, to create at its first.
          .setConfigProp("transaction.state.log.num.partitions", "4")
          .setConfigProp("group.initial.rebalance.delay.ms", "0")
          // Room for the 2 MB poison record of the dead-letter tests.
          .setConfigProp("message.max.bytes", String.valueOf(8 * 1024 * 1024))
          .build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return cluster;
    } catch (Exception e) {
      throw new IllegalStateException("the test Kafka broker did not start: " + e, e);
    }
  }

  /** A broker of the caller's own that can be stopped and restarted on the same port; the caller closes it. */
  public static RestartableBroker restartable() {
    return new RestartableBroker(start());
  }

  /**
   * Kafka halts the JVM (status 1) when every log directory of a broker has failed. At the JVM's exit the test
   * kit's own shutdown hook deletes those directories while our hook is still stopping the broker, which writes
   * its checkpoints there: the halt turned a test run that had passed into "Error occurred in starting fork".
   * In this JVM a broker's fatal error is the test's to report, never a reason to end the JVM.
   */
  private static void keepTheJvmOurs() {
    Exit.setHaltProcedure((status, message) -> System.err.println("test broker: halt(" + status + ") ignored: " + message));
    Exit.setExitProcedure((status, message) -> System.err.println("test broker: exit(" + status + ") ignored: " + message));
  }

  /** A name no other test uses: {@code prefix-<random>}. */
  public static String unique(String prefix) {
    return prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  }
}
