package dev.takeover.scenarios;

import dev.takeover.config.Backoff;
import dev.takeover.config.EngineConfig;
import dev.takeover.engine.Engine;
import dev.takeover.engine.Outcome;
import dev.takeover.engine.events.EventStream;
import dev.takeover.kube.Kube;
import dev.takeover.subscribers.KubeEventRecorder;
import dev.takeover.ticket.Ticket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The production engine wired as the daemon wires it (shared Vert.x, worker pool, event bus, Kubernetes
 * Events recorder), against a {@link TestCluster}. Collects every published event for assertions.
 */
final class EngineHarness implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final Kube kube;
  final Engine engine;
  final KubeEventRecorder recorder;
  final List<JsonObject> events = new CopyOnWriteArrayList<>();

  /** A result and the events of its run. */
  record Result(Outcome outcome, List<JsonObject> events) {
    List<JsonObject> ofType(String type) {
      return events.stream().filter(e -> type.equals(e.getString("type"))).toList();
    }
  }

  EngineHarness(TestCluster cluster, UnaryOperator<EngineConfig> settings) {
    this(cluster, settings, Engine.Recovering.NONE);
  }

  /** An engine that may recover dead nodes as {@code recovering} allows. */
  EngineHarness(TestCluster cluster, UnaryOperator<EngineConfig> settings, Engine.Recovering recovering) {
    this(cluster, settings, recovering, "takeover-test");
  }

  /** An engine of a process named {@code identity} (another CLI, another replica: the holder its Leases name). */
  EngineHarness(TestCluster cluster, UnaryOperator<EngineConfig> settings, Engine.Recovering recovering,
                String identity) {
    // Quicker PDB retries than production's 5 s, so that the scenarios stay short; same code path.
    Backoff backoff = cluster.simulated() ? new Backoff(Duration.ofMillis(100), Duration.ofMillis(400), 0.2)
        : new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5), 0.2);
    EngineConfig config = settings.apply(EngineConfig.defaults().withEvictionBackoff(backoff)
        .withDrainTimeout(cluster.patience()).withConfirmTimeout(cluster.patience()));
    this.kube = Kube.connect(vertx, cluster.config(), config.kubeWorkers(), identity);
    EventStream stream = new EventStream(vertx);
    stream.subscribe(events::add);
    this.recorder = new KubeEventRecorder(kube, stream);
    this.engine = await(Engine.start(vertx, kube, config, recovering, stream, Clock.systemUTC()), Duration.ofSeconds(30));
  }

  EngineHarness(TestCluster cluster) {
    this(cluster, c -> c);
  }

  Result takeover(String node, Ticket.Options options) {
    return submit(Ticket.takeover(node, options, "test", "scenario", "takeover test"));
  }

  Result submit(Ticket ticket) {
    Future<Void> recorded = recorder.recorded(ticket.id());
    Outcome outcome = await(engine.submit(ticket), Duration.ofMinutes(15));
    await(recorded, Duration.ofSeconds(30));
    List<JsonObject> mine = events.stream().filter(e -> ticket.id().equals(e.getString("ticket"))).toList();
    return new Result(outcome, mine);
  }

  static <T> T await(Future<T> f, Duration bound) {
    try {
      return f.await(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("no answer within " + bound + ": " + e, e);
    }
  }

  @Override
  public void close() {
    recorder.close();
    engine.close();
    kube.close();
    await(vertx.close(), Duration.ofSeconds(10));
  }
}
