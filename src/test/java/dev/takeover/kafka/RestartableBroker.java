package dev.takeover.kafka;

import kafka.server.BrokerServer;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * A KRaft node of a test's own (broker and controller in one process) whose broker can be stopped and started
 * again in the test JVM, on the same port: clients keep their bootstrap address and reconnect as they would to a
 * restarted production broker. Only the broker goes down; the controller and its metadata log stay up, as when
 * one broker of a cluster restarts. The broker's logs stay on disk across the restart.
 */
public final class RestartableBroker implements AutoCloseable {
  private final KafkaClusterTestKit cluster;
  private final String bootstrap;

  RestartableBroker(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
    this.bootstrap = cluster.bootstrapServers();
  }

  /** The bootstrap address; the same before and after a restart. */
  public String bootstrap() {
    return bootstrap;
  }

  /** Stops the broker cleanly (its listener closes: clients see connections refused); returns once it is down. */
  public void stop() {
    BrokerServer broker = broker();
    broker.shutdown();
    broker.awaitShutdown();
  }

  /**
   * Starts the broker again and waits until it is registered, unfenced and serving its metadata. The test kit's
   * socket factory binds the listener to the port it had (checked here: clients could not reconnect otherwise).
   */
  public void restart() {
    try {
      broker().startup();
      cluster.waitForReadyBrokers();
    } catch (Exception e) {
      throw new IllegalStateException("the test Kafka broker did not start again: " + e, e);
    }
    String now = cluster.bootstrapServers();
    if (!bootstrap.equals(now)) {
      throw new IllegalStateException("the broker came back on " + now + ", not " + bootstrap);
    }
  }

  private BrokerServer broker() {
    return cluster.brokers().values().iterator().next();
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      // The test is over; a broker that does not close cleanly holds nothing another test needs.
    }
  }
}
