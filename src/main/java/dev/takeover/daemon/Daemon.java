package dev.takeover.daemon;

import dev.takeover.cluster.ClusterWatch;
import dev.takeover.engine.events.EventStream;
import dev.takeover.intake.KafkaIntake;
import dev.takeover.kube.Kube;
import dev.takeover.schedule.SchedulerVerticle;
import dev.takeover.subscribers.CloudEventsPublisher;
import dev.takeover.subscribers.KubeEventRecorder;
import dev.takeover.subscribers.TicketLog;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The daemon: its verticles deployed in the order they depend on each other, talking over the event bus.
 *
 * <ol>
 *   <li>the topics are made sure of;</li>
 *   <li>{@link ClusterWatch}: the nodes, for the intake's checks and the scheduler's limits;</li>
 *   <li>{@link EngineVerticle}: the engine on its own context;</li>
 *   <li>{@link CloudEventsPublisher}: every ticket's story to the events topic;</li>
 *   <li>{@link TicketLog}: the same story in the log, one line an event;</li>
 *   <li>{@link SchedulerVerticle}: rebuilt from the state topic, resumes runs in progress;</li>
 *   <li>{@link KafkaIntake}: only then are new tickets read.</li>
 * </ol>
 * A verticle that fails to deploy is reported and deployed again with a backoff; an exception a verticle lets slip
 * is reported and never takes the daemon down.
 */
public final class Daemon {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

  private final Vertx vertx;
  private final List<String> deployments = new ArrayList<>();
  private KubeEventRecorder recorder;

  private Daemon(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts every part; completes when tickets are being read. */
  public static Future<Daemon> start(Vertx vertx, DaemonConfig config, Kube kube, Clock clock) {
    Daemon d = new Daemon(vertx);
    vertx.exceptionHandler(e -> LOG.error("a verticle let an exception slip (the daemon goes on): {}", e.toString()));
    return Topics.ensure(vertx, config)
        .compose(v -> d.deploy("cluster watch", () -> new ClusterWatch(kube.calls(), config.engine().relistPeriod())))
        .compose(v -> d.deploy("engine", () -> new EngineVerticle(kube, config.engine(), clock)))
        .compose(v -> d.deploy("cloudevents publisher", () -> new CloudEventsPublisher(config)))
        .compose(v -> d.deploy("ticket log", TicketLog::new))
        .compose(v -> {
          d.recorder = new KubeEventRecorder(kube, new EventStream(vertx));
          return d.deploy("scheduler", () -> new SchedulerVerticle(config, clock));
        })
        .compose(v -> d.deploy("ticket intake", () -> new KafkaIntake(config, clock)))
        .map(d);
  }

  /** Deploys one verticle, trying again (with a backoff up to 30 s) until it starts. */
  private Future<Void> deploy(String name, Supplier<Deployable> verticle) {
    Promise<Void> done = Promise.promise();
    attempt(name, verticle, 0, done);
    return done.future();
  }

  private void attempt(String name, Supplier<Deployable> verticle, int n, Promise<Void> done) {
    vertx.deployVerticle(verticle.get()).onComplete(ar -> {
      if (ar.succeeded()) {
        deployments.add(ar.result());
        LOG.info("{} started", name);
        done.complete();
        return;
      }
      long delay = Math.min(30_000L, 500L << Math.min(n, 6));
      LOG.warn("{} did not start (attempt {}): {}; trying again in {} s", name, n + 1, oneLine(ar.cause()),
          delay / 1000.0);
      vertx.setTimer(delay, t -> attempt(name, verticle, n + 1, done));
    });
  }

  /** Stops the parts in the reverse order: no new ticket is read, runs in progress stay resumable. */
  public Future<Void> stop() {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.transform(ar -> vertx.undeploy(id).otherwiseEmpty());
    }
    return chain.andThen(ar -> {
      if (recorder != null) {
        recorder.close();
      }
    });
  }

  static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
