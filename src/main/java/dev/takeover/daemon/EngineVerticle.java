package dev.takeover.daemon;

import dev.takeover.config.EngineConfig;
import dev.takeover.engine.Engine;
import dev.takeover.engine.EvictedEarlier;
import dev.takeover.engine.events.EngineEvent;
import dev.takeover.engine.plan.Plan;
import dev.takeover.engine.plan.PlanOptions;
import dev.takeover.engine.events.EventStream;
import dev.takeover.kube.Kube;
import dev.takeover.schedule.StoredTickets;
import dev.takeover.ticket.Ticket;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;

/**
 * The engine on a context of its own, taking runs from the scheduler over the event bus. A run's progress and
 * outcome go out on {@link EventStream}; the reply to {@value #RUN} only says the run was taken.
 *
 * <ul>
 *   <li>{@value #RUN}: {@code {"ticket": <canonical ticket>, "runId": …, "resumed": bool, "earlier": [<EvictedEarlier>…]}}</li>
 *   <li>{@value #CANCEL}: {@code {"runId": …, "why": …}}: the run stops at its next safe point</li>
 *   <li>{@value #HOLD}: {@code {"runId": …, "held": bool}}: another requester keeps the node cordoned after the run
 *   (held true, the default), or no longer does (false)</li>
 * </ul>
 */
public final class EngineVerticle extends VerticleBase {
  public static final String RUN = "takeover.engine.run";
  public static final String CANCEL = "takeover.engine.cancel";
  public static final String HOLD = "takeover.engine.hold";
  /** Body {@code {"node", "options": {deleteEmptyDirData, force, allowLocalVolumes, allowControlPlane}}}: replies
   *  the plan of a run on the node now, read only ({@link #planJson}); fails 404 for a node the cluster lacks. */
  public static final String PLAN = "takeover.engine.plan";
  /**
   * Body {@code {"node"}}: a node Takeover recovered is Ready again; its out-of-service taint (only one Takeover put
   * there, {@code takeover.dev/out-of-service}) is removed, after reading the node and its Lease once more. Replies
   * {@code {"removed": bool, "ticket": the recover ticket's id or null, "reason": one line}}.
   */
  public static final String END_OUT_OF_SERVICE = "takeover.engine.end-out-of-service";
  private static final Logger LOG = LoggerFactory.getLogger(EngineVerticle.class);

  private final Kube kube;
  private final EngineConfig config;
  private final Clock clock;
  private final Engine.Recovering recovering;
  private Engine engine;

  public EngineVerticle(Kube kube, EngineConfig config, Clock clock) {
    this(kube, config, Engine.Recovering.NONE, clock);
  }

  public EngineVerticle(Kube kube, EngineConfig config, Engine.Recovering recovering, Clock clock) {
    this.kube = kube;
    this.config = config;
    this.recovering = recovering;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    return Engine.start(vertx, kube, config, recovering, new EventStream(vertx), clock).onSuccess(e -> {
      engine = e;
      vertx.eventBus().<JsonObject>consumer(RUN, this::run);
      vertx.eventBus().<JsonObject>consumer(CANCEL, m -> engine.cancel(m.body().getString("runId"),
          m.body().getString("why", "cancelled")).onComplete(ar -> m.reply(ar.succeeded() && ar.result())));
      vertx.eventBus().<JsonObject>consumer(END_OUT_OF_SERVICE, m -> engine.endOutOfService(m.body().getString("node"))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              m.reply(new JsonObject().put("removed", ar.result().removed()).put("ticket", ar.result().ticket())
                  .put("reason", ar.result().reason()));
            } else {
              m.fail(503, Daemon.oneLine(ar.cause()));
            }
          }));
      vertx.eventBus().<JsonObject>consumer(HOLD, m -> engine.hold(m.body().getString("runId"),
          m.body().getBoolean("held", true))
          .onComplete(ar -> m.reply(ar.succeeded() && ar.result())));
    });
  }

  private void run(Message<JsonObject> msg) {
    Ticket ticket;
    try {
      ticket = StoredTickets.fromJson(msg.body().getJsonObject("ticket"));
    } catch (RuntimeException e) {
      msg.fail(400, e.getMessage());
      return;
    }
    String runId = msg.body().getString("runId");
    List<EvictedEarlier> earlier;
    try {
      earlier = EvictedEarlier.listOf(msg.body().getJsonArray("earlier"));
    } catch (RuntimeException e) {
      msg.fail(400, "earlier evictions unreadable: " + e.getMessage());
      return;
    }
    engine.submit(ticket, new Engine.RunControl(runId, msg.body().getBoolean("resumed", false), earlier, true))
        .onFailure(e -> new dev.takeover.logs.RunKeys(ticket.id(), runId, ticket.node())
            .during(() -> LOG.error("{}: the engine broke: {}", runId, e.toString())));
    msg.reply(runId);
  }

  /**
   * The plan of a node, read only, on every replica (a follower too: Slack's {@code /takeover} and the API preview a
   * plan wherever they land): an engine of its own that never runs a ticket.
   */
  public static final class Planner extends VerticleBase {
    private final Kube kube;
    private final EngineConfig config;
    private final Clock clock;

    public Planner(Kube kube, EngineConfig config, Clock clock) {
      this.kube = kube;
      this.config = config;
      this.clock = clock;
    }

    @Override
    public Future<?> start() {
      return Engine.start(vertx, kube, config, new EventStream(vertx), clock).onSuccess(e -> vertx.eventBus()
          .<JsonObject>consumer(PLAN, m -> plan(e, clock, m)));
    }
  }

  private static void plan(Engine engine, Clock clock, Message<JsonObject> msg) {
    String node = msg.body().getString("node");
    JsonObject o = msg.body().getJsonObject("options", new JsonObject());
    PlanOptions options = PlanOptions.defaults().withDeleteEmptyDirData(o.getBoolean("deleteEmptyDirData", false))
        .withForce(o.getBoolean("force", false)).withAllowLocalVolumes(o.getBoolean("allowLocalVolumes", false))
        .withAllowControlPlane(o.getBoolean("allowControlPlane", false));
    engine.plan(node, options).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(planJson(node, ar.result(), clock.instant()));
      } else if (ar.cause() instanceof java.util.NoSuchElementException missing) {
        msg.fail(404, missing.getMessage());
      } else {
        msg.fail(503, "the plan could not be made: " + Daemon.oneLine(ar.cause()));
      }
    });
  }

  /**
   * A plan as JSON: {@code node}, {@code summary} (one line), {@code refused}, and the pods, warnings and refusals
   * as in the engine's {@code takeover.plan.ready} event.
   */
  public static JsonObject planJson(String node, Plan plan, java.time.Instant at) {
    JsonObject fields = new EngineEvent.PlanReady(null, at, plan).fields();
    String summary = plan.toEvict().size() + " to evict (" + plan.toConfirm().size() + " StatefulSet to confirm), "
        + plan.toDelete().size() + " to delete, " + plan.leftAlone().size() + " left alone"
        + (plan.refused() ? "; refused: " + plan.refusals().stream().map(dev.takeover.engine.plan.Refusal::message)
            .collect(java.util.stream.Collectors.joining("; ")) : "");
    return fields.put("node", node).put("refused", plan.refused()).put("summary", summary).put("at", at.toString());
  }

  /**
   * Halts the runs in progress before the verticle goes (its timers go with it): each stops at its next safe point,
   * writes nothing more and lets go of its node, so that the next leader (or the next start) resumes it at once.
   */
  @Override
  public Future<?> stop() {
    return halt().andThen(ar -> {
      if (engine != null) {
        engine.close();
      }
    });
  }

  /** Halts the runs in progress (see {@link #stop()}); the daemon asks it first when it stops or steps down. */
  Future<Void> halt() {
    return engine == null ? Future.succeededFuture()
        : engine.halt("the daemon stops or lost its leadership; the leader resumes the run", HALT_PATIENCE);
  }

  /** How long a halt waits for runs to reach a safe point (an eviction or a read in flight ends within seconds). */
  static final java.time.Duration HALT_PATIENCE = java.time.Duration.ofSeconds(10);
}
