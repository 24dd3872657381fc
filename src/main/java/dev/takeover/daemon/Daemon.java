package dev.takeover.daemon;

import dev.takeover.cluster.ClusterWatch;
import dev.takeover.engine.events.EventStream;
import dev.takeover.http.HttpServerVerticle;
import dev.takeover.alertmanager.AlertmanagerWebhook;
import dev.takeover.http.Probes;
import dev.takeover.http.Route;
import dev.takeover.http.Routes;
import dev.takeover.slack.SlackCommands;
import dev.takeover.slack.SlackNotifier;
import dev.takeover.metrics.MetricsSubscriber;
import dev.takeover.http.TicketsApi;
import dev.takeover.intake.TicketPublisher;
import dev.takeover.metrics.Metrics;
import dev.takeover.intake.KafkaIntake;
import dev.takeover.kube.Kube;
import dev.takeover.schedule.SchedulerVerticle;
import dev.takeover.schedule.StateMirror;
import dev.takeover.subscribers.CloudEventsPublisher;
import dev.takeover.subscribers.KubeEventRecorder;
import dev.takeover.subscribers.TicketLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;

/**
 * The daemon: its verticles deployed in the order they depend on each other, talking over the event bus.
 *
 * <ol>
 *   <li>{@link HttpServerVerticle}: probes, metrics, the ticket API (Slack, Alertmanager);</li>
 *   <li>the topics are made sure of;</li>
 *   <li>{@link ClusterWatch}: the nodes, for the intake's checks and the scheduler's limits;</li>
 *   <li>{@link EngineVerticle}: the engine on its own context;</li>
 *   <li>{@link CloudEventsPublisher}: every ticket's story to the events topic;</li>
 *   <li>{@link TicketLog}: the same story in the log, one line an event;</li>
 *   <li>{@link SchedulerVerticle}: rebuilt from the state topic, resumes runs in progress;</li>
 *   <li>{@link KafkaIntake}: only then are new tickets read.</li>
 * </ol>
 * The {@link Supervisor} deploys them: a part that fails to start is deployed again with a backoff; one that keeps
 * letting exceptions slip is restarted; nothing a part throws takes the daemon down.
 */
public final class Daemon {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

  private final Vertx vertx;
  private final Supervisor parts;
  /** The parts that act, while this replica leads; null otherwise. */
  private volatile Supervisor acting;
  private Leadership leadership;
  /** What a follower runs (the events read back, Slack replies), while it follows; null otherwise. */
  private Supervisor following;
  private volatile EngineVerticle engine;
  private volatile boolean stopping;
  /** The stop, once asked for. */
  private Future<Void> stopped;
  private Future<Void> followingUp = Future.succeededFuture();
  private boolean alone;
  private KubeEventRecorder recorder;
  private Metrics metrics;
  private volatile HttpServerVerticle http;

  private Daemon(Vertx vertx) {
    this.vertx = vertx;
    this.parts = new Supervisor(vertx);
  }

  /** Starts every part; completes when tickets are being read. Metrics of its own (no Vert.x metrics). */
  public static Future<Daemon> start(Vertx vertx, DaemonConfig config, Kube kube, Clock clock) {
    return start(vertx, config, kube, clock, Metrics.create());
  }

  /**
   * Starts every part, its metrics in {@code metrics}. Completes when this replica either leads and reads tickets,
   * or follows a leader it has seen (with leader election off: when tickets are being read).
   */
  public static Future<Daemon> start(Vertx vertx, DaemonConfig config, Kube kube, Clock clock, Metrics metrics) {
    Daemon d = new Daemon(vertx);
    Supervisor p = d.parts;
    d.metrics = metrics;
    io.micrometer.core.instrument.Gauge.builder("takeover_leader", d, x -> x.leading() ? 1 : 0)
        .description("1 on the replica that leads (reads tickets, runs them), 0 on the others")
        .register(metrics.registry());
    // First, so that the liveness probe answers while the rest starts (readiness says what is not up yet).
    return p.deployOrFail("http server", () -> d.http = new HttpServerVerticle(config.http(), List.of(
            v -> new Probes(v, config, d::leading),
            v -> metrics.routes(),
            v -> ticketInputs(v, config, clock)), metrics.httpObserver()))
        .recover(e -> Future.failedFuture(new ConfigError("http.port " + config.http().port() + " on "
            + config.http().host() + ": the HTTP server could not listen (" + oneLine(e) + ")")))
        .compose(v -> Topics.ensure(vertx, config))
        // The node view re-lists 12 times less often than a run's waits (60 s by default): on 1,000 nodes a list is
        // 2 MB and listing every 5 s doubled the idle daemon's CPU. Nothing unsafe rides on it: the engine's plan
        // lists the nodes again, under the plan-and-cordon lock, before it cordons.
        .compose(v -> p.deploy("cluster watch",
            () -> new ClusterWatch(kube.calls(), config.engine().relistPeriod().multipliedBy(12)), true))
        .compose(v -> p.deploy("planner", () -> new EngineVerticle.Planner(kube, config.engine(), clock), true))
        .compose(v -> {
          if (!config.leader().enabled()) {
            d.alone = true;
            return d.lead(config, kube, clock);
          }
          return d.elect(config, kube, clock);
        })
        .map(d);
  }

  /** Runs for leader; completes once this replica leads (its parts up) or has seen another leader. */
  private Future<Void> elect(DaemonConfig config, Kube kube, Clock clock) {
    DaemonConfig.Leader l = config.leader();
    String namespace = !l.namespace().isBlank() ? l.namespace()
        : kube.calls().client().getNamespace() != null ? kube.calls().client().getNamespace() : "default";
    Promise<Void> settled = Promise.promise();
    // A follower until told otherwise.
    startFollowing(config, clock);
    leadership = new Leadership(vertx, kube.quickClient(l.retryPeriod()), l, namespace, config.instance(),
        () -> lead(config, kube, clock).andThen(ar -> settled.tryComplete()), () -> follow(config, clock)) {
      @Override
      void seen(String holder) {
        if (!holder.isEmpty() && !holder.equals(config.instance())) {
          settled.tryComplete();
        }
      }
    };
    leadership.start();
    return settled.future();
  }

  /**
   * While this replica follows: a ticket's state is answered from the state topic, as the leader records it (until
   * that is read, with who leads); and the leader's ticket events are read back from the events topic, so that a Slack
   * command that came in here hears how its ticket goes (its response_url is in this process only; the leader posts
   * to the channel's webhook) and the ticket history answers here too.
   */
  private Future<Void> startFollowing(DaemonConfig config, Clock clock) {
    if (following != null || stopping) {
      return Future.succeededFuture();
    }
    String instance = config.instance();
    java.util.function.Supplier<String> notLeader = () -> {
      String leader = leadership == null ? "" : leadership.leader();
      return "this replica (" + instance + ") is not the leader" + (leader.isEmpty() || leader.equals(instance) ? ""
          : "; " + leader + " is") + ", and has not read the tickets' state yet: ask again";
    };
    Supervisor f = new Supervisor(vertx);
    following = f;
    TriggerConfig.Slack s = config.slack();
    TriggerConfig.Slack repliesOnly = new TriggerConfig.Slack(s.signingSecret(), s.allowedUsers(), s.allowedChannels(), "");
    followingUp = f.deploy("state mirror", () -> new StateMirror(config, notLeader), true)
        .compose(v -> f.deploy("ticket events relay", () -> new dev.takeover.subscribers.TicketEventsRelay(config,
            () -> !leading()), true))
        .compose(v -> f.deploy("slack replies", () -> new SlackNotifier(repliesOnly, clock), true));
    return followingUp;
  }

  private Future<Void> stopFollowing() {
    Supervisor f = following;
    following = null;
    // After its parts are up (or gave up): a part still deploying would be left running otherwise.
    return f == null ? Future.succeededFuture() : followingUp.transform(x -> f.stop());
  }

  /** The parts that act, on the leader only: they read tickets, run them and tell of them. */
  private Future<Void> lead(DaemonConfig config, Kube kube, Clock clock) {
    // Leadership may have been lost again meanwhile (then follow() already ran): act only while still leading.
    return stopFollowing().transform(x -> stillLeading() ? acting(config, kube, clock) : Future.succeededFuture());
  }

  private boolean stillLeading() {
    return leadership == null || leadership.leading();
  }

  private Future<Void> acting(DaemonConfig config, Kube kube, Clock clock) {
    Supervisor p = new Supervisor(vertx);
    acting = p;
    // Not restarted: a new engine would not hold the runs in progress; its failures stay within a run.
    return p.deploy("engine", () -> engine = new EngineVerticle(kube, config.engine(),
            new dev.takeover.engine.Engine.Recovering(config.deadNodes().recovery(),
                dev.takeover.fence.Fences.from(vertx, config.deadNodes().fencing())), clock), false)
        // Before the detector, so that no node.down it publishes goes unheard.
        .compose(v -> !config.deadNodes().recovery().anyAutomatic() ? Future.succeededFuture()
            : p.deploy("automatic recovery", () -> new dev.takeover.cluster.AutomaticRecovery(kube,
                config.deadNodes().recovery(), new TicketPublisher(vertx, config), clock), true))
        .compose(v -> p.deploy("dead node watch", () -> new dev.takeover.cluster.DeadNodeWatch(kube,
            config.deadNodes().grace(), config.deadNodes().recovery(), config.engine().relistPeriod().multipliedBy(12),
            clock), true))
        .compose(v -> p.deploy("cloudevents publisher", () -> new CloudEventsPublisher(config), true))
        .compose(v -> p.deploy("ticket log", TicketLog::new, true))
        .compose(v -> p.deploy("metrics subscriber", () -> new MetricsSubscriber(metrics), true))
        .compose(v -> p.deploy("slack notifier", () -> new SlackNotifier(config.slack(), clock), true))
        .compose(v -> {
          recorder = new KubeEventRecorder(kube, new EventStream(vertx)).toldOn(vertx).nodeEventsOn(vertx);
          return p.deploy("scheduler", () -> new SchedulerVerticle(config, clock, this::leading), true);
        })
        .compose(v -> p.deploy("ticket intake", () -> new KafkaIntake(config, clock), true));
  }

  /** Takes the acting parts down, in the reverse order: no ticket is read, runs halt resumable. */
  private Future<Void> follow(DaemonConfig config, Clock clock) {
    Supervisor p = acting;
    acting = null;
    if (p == null) {
      return config == null ? Future.succeededFuture() : startFollowing(config, clock);
    }
    KubeEventRecorder r = recorder;
    recorder = null;
    EngineVerticle e = engine;
    engine = null;
    // The runs halt at their next safe point, and meanwhile the other parts go (the intake and the scheduler first,
    // in the reverse order of their start): not one after the other, or the scheduler would go on recording and
    // starting tickets for the seconds a halt may take, while another replica may already lead. The engine starts
    // no run once halting, and its own stop awaits the halt.
    Future<Void> halted = e == null ? Future.succeededFuture() : e.halt();
    return Future.join(halted, p.stop()).<Void>mapEmpty().otherwiseEmpty().andThen(ar -> {
      if (r != null) {
        r.close();
      }
      // Its runs halted without an end: no longer in progress here (the next leader resumes and reports them).
      metrics.takeover().actingStopped();
    }).transform(x -> config == null ? Future.succeededFuture() : startFollowing(config, clock));
  }

  /** Whether this replica acts now (always, with leader election off). */
  public boolean leading() {
    return alone ? acting != null : leadership != null && leadership.leading();
  }

  /**
   * The inputs that turn requests into tickets on Kafka (the API, Alertmanager, Slack), with one producer between
   * them, closed after them.
   */
  private static Routes ticketInputs(Vertx vertx, DaemonConfig config, Clock clock) {
    TicketPublisher tickets = new TicketPublisher(vertx, config);
    List<Routes> inputs = List.of(new TicketsApi(vertx, config, tickets, clock),
        new AlertmanagerWebhook(vertx, config, tickets, clock), new SlackCommands(vertx, config, tickets, clock),
        new dev.takeover.slack.SlackInteractions(vertx, config, tickets, clock));
    return new Routes() {
      @Override
      public List<Route> routes() {
        return inputs.stream().flatMap(i -> i.routes().stream()).toList();
      }

      @Override
      public Future<Void> close() {
        return Future.join(inputs.stream().map(Routes::close).toList()).transform(ar -> tickets.close());
      }
    };
  }

  /** The HTTP server's port (the actual one when {@code http.port} is 0). */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  public Metrics metrics() {
    return metrics;
  }

  /**
   * Stops: first the parts that act (no new ticket is read, runs halt resumable), then the Lease is released (another
   * replica leads within its retry period), then the rest.
   */
  public synchronized Future<Void> stop() {
    // A second stop (a test's close after its SIGTERM-like stop, a shutdown hook after a failed start) is the first
    // one: stopping again would never complete (the elector's executor is shut down by then).
    if (stopped == null) {
      stopping = true;
      Future<Void> acted = leadership != null ? leadership.stop() : follow(null, null);
      stopped = acted.transform(ar -> stopFollowing()).transform(ar -> parts.stop());
    }
    return stopped;
  }

  static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
