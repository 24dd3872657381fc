package dev.takeover.schedule;

import dev.takeover.alertmanager.PrometheusGate;
import dev.takeover.cluster.ClusterWatch;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.daemon.EngineVerticle;
import dev.takeover.engine.EvictedEarlier;
import dev.takeover.engine.events.EventStream;
import dev.takeover.ticket.Rejection;
import dev.takeover.ticket.Ticket;
import dev.takeover.ticket.TicketEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The scheduler: takes valid tickets from the inputs ({@value #SUBMIT}), records each durably before it answers,
 * starts runs on the engine in their windows and within the limits, hears the engine's events, and tells each
 * ticket's story on {@link TicketEvent#ADDRESS}. At start it rebuilds itself from the state topic and resumes the
 * runs that were in progress. The decisions are {@link Schedule}'s; this verticle only carries them out, in order.
 *
 * <p>{@value #SUBMIT} takes {@code {"ticket": <canonical ticket>, "fingerprint": …, "from": "topic-p@offset"}} and
 * replies {@code {"result": "accepted|duplicate|redelivered", "state": …}} once the ticket is recorded, or fails
 * with code 409 and {@code {"code": …, "reason": …}} as the message for a ticket it must refuse.
 */
public final class SchedulerVerticle extends VerticleBase {
  public static final String SUBMIT = "takeover.scheduler.submit";
  /** Replies the state of a ticket: {@code {"ticket": id}} → its recorded state, or null. */
  public static final String STATUS = "takeover.scheduler.status";
  /** The failure code of {@value #STATUS} on a replica that does not lead (HTTP's "misdirected request"). */
  public static final int NOT_LEADER = 421;

  /** The failure's line when a follower answered ("this replica … is not the leader; … is: ask again"), else null. */
  public static String notLeader(Throwable e) {
    return e instanceof io.vertx.core.eventbus.ReplyException r && r.failureCode() == NOT_LEADER ? r.getMessage() : null;
  }
  private static final Logger LOG = LoggerFactory.getLogger(SchedulerVerticle.class);

  private final DaemonConfig config;
  private final Clock clock;
  private final java.util.function.BooleanSupplier leads;
  private Schedule schedule;
  private StateStore store;
  private Set<String> cordoned = Set.of();
  /** Effects run one after another: a ticket is recorded before it is answered, started or told. */
  private Future<Void> effects = Future.succeededFuture();
  private Instant lastForget;
  private long ticker = -1;
  /** Stopping (the daemon stops, or this replica no longer leads): no run is started any more. */
  private volatile boolean stopping;
  /** Prometheus' alerts, asked before a run starts ({@code gate}); null when no gate is configured. */
  private PrometheusGate gate;

  /** @param leads whether this replica leads now: only then does the scheduler open its state store (see StateStore) */
  public SchedulerVerticle(DaemonConfig config, Clock clock, java.util.function.BooleanSupplier leads) {
    this.config = config;
    this.clock = clock;
    this.leads = leads;
  }

  @Override
  public Future<?> start() {
    schedule = new Schedule(config.engine().maxNodesInMaintenance(), clock);
    if (config.gate().configured()) {
      gate = new PrometheusGate(vertx, config, () -> carryOut(evaluated()));
      schedule.gate(gate);
    }
    store = new StateStore(vertx, config, leads);
    // Fence first, then read: whatever a deposed leader writes after this is aborted, never read, never last.
    return store.open().compose(v -> store.load()).compose(loaded -> {
      int restored = 0;
      // Its consumers answer the dead-node watch from now on, and go with this verticle.
      new NodesDown(vertx, store, loaded.nodesDown());
      for (JsonObject r : loaded.tickets()) {
        try {
          schedule.restore(TicketEntry.fromJson(r, StoredTickets::fromJson));
          restored++;
        } catch (RuntimeException e) {
          LOG.warn("state record skipped, it is not a ticket: {}", e.getMessage());
        }
      }
      LOG.info("schedule rebuilt from the state topic: {} tickets, {} node(s) told down", restored,
          loaded.nodesDown().size());
      return refreshCordoned();
    }).compose(v -> {
      vertx.eventBus().<JsonObject>consumer(EventStream.ADDRESS, msg -> onEngineEvent(msg.body()));
      vertx.eventBus().<JsonObject>consumer(SUBMIT, this::submit);
      vertx.eventBus().<JsonObject>consumer(STATUS, this::status);
      List<Effect> out = new ArrayList<>(schedule.resume());
      schedule.evaluate(cordoned, out);
      carryOut(out);
      ticker = vertx.setPeriodic(config.tickets().tick().toMillis(), t -> tick());
      return effects;
    }).onFailure(e -> store.close());
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    store.seal();
    if (ticker >= 0) {
      vertx.cancelTimer(ticker);
    }
    if (gate != null) {
      gate.close();
    }
    return effects.transform(ar -> store.close());
  }

  /** The effects of looking at the waiting tickets now (the gate answered). */
  private List<Effect> evaluated() {
    List<Effect> out = new ArrayList<>();
    schedule.evaluate(cordoned, out);
    return out;
  }

  private void submit(Message<JsonObject> msg) {
    Ticket t;
    try {
      t = StoredTickets.fromJson(msg.body().getJsonObject("ticket"));
    } catch (RuntimeException e) {
      msg.fail(400, new JsonObject().put("code", "schema").put("reason", e.getMessage()).encode());
      return;
    }
    List<Effect> out = new ArrayList<>();
    Schedule.Submitted result = schedule.submit(t, msg.body().getString("fingerprint"), msg.body().getString("from"), out);
    carryOut(out).onComplete(ar -> {
      if (ar.failed()) {
        msg.fail(503, new JsonObject().put("code", "unavailable").put("reason", ar.cause().getMessage()).encode());
        return;
      }
      if (result instanceof Schedule.Submitted.Rejected r) {
        Rejection rej = r.rejection();
        msg.fail(409, new JsonObject().put("code", rej.code()).put("reason", rej.reason()).encode());
      } else if (result instanceof Schedule.Submitted.Accepted a) {
        msg.reply(new JsonObject().put("result", "accepted").put("ticket", a.entry().id()));
      } else if (result instanceof Schedule.Submitted.Duplicate d) {
        msg.reply(new JsonObject().put("result", "duplicate").put("ticket", d.of().id()));
      } else {
        msg.reply(new JsonObject().put("result", "redelivered"));
      }
    });
  }

  private void status(Message<JsonObject> msg) {
    TicketEntry e = schedule.get(msg.body().getString("ticket"));
    msg.reply(e == null ? null : e.toJson(StoredTickets::toJson, e.updated));
  }

  private void onEngineEvent(JsonObject event) {
    List<Effect> out = new ArrayList<>();
    schedule.onRunEvent(event, cordoned, out);
    carryOut(out);
  }

  private void tick() {
    refreshCordoned().onComplete(ar -> {
      List<Effect> out = new ArrayList<>();
      schedule.evaluate(cordoned, out);
      carryOut(out);
      forgetOld();
    });
  }

  /**
   * At most once a minute (or once a retention, if shorter): tickets ended longer ago than {@code tickets.retention}
   * are forgotten and tombstoned.
   */
  private void forgetOld() {
    Instant now = clock.instant();
    java.time.Duration every = config.tickets().retention().compareTo(java.time.Duration.ofMinutes(1)) < 0
        ? config.tickets().retention() : java.time.Duration.ofMinutes(1);
    if (lastForget != null && now.isBefore(lastForget.plus(every))) {
      return;
    }
    lastForget = now;
    for (String id : schedule.forget(now.minus(config.tickets().retention()))) {
      // A lost tombstone only means the next start reads the ticket once more, and forgets it again.
      store.forget(id).onFailure(e -> LOG.debug("state of {} not tombstoned: {}", id, oneLine(e)));
    }
  }

  /** The cluster's cordoned nodes, as the cluster watch last saw them; the last answer is kept if it has none. */
  private Future<Void> refreshCordoned() {
    return vertx.eventBus().<JsonObject>request(ClusterWatch.SUMMARY, new JsonObject(), new DeliveryOptions().setSendTimeout(5000))
        .map(reply -> {
          JsonArray names = reply.body().getJsonArray("cordoned", new JsonArray());
          Set<String> s = new TreeSet<>();
          names.forEach(n -> s.add(String.valueOf(n)));
          cordoned = s;
          return (Void) null;
        }).otherwiseEmpty();
  }

  /** Appends effects to the queue; the future completes when they are all carried out. */
  private Future<Void> carryOut(List<Effect> out) {
    if (out.isEmpty()) {
      return effects;
    }
    Promise<Void> done = Promise.promise();
    effects = effects.transform(ar -> {
      Future<Void> chain = Future.succeededFuture();
      for (Effect e : out) {
        chain = chain.compose(v -> apply(e));
      }
      return chain.andThen(done);
    }).otherwiseEmpty(); // the queue goes on after a failure: the failed batch told its caller
    return done.future();
  }

  private Future<Void> apply(Effect effect) {
    if (effect instanceof Effect.Record r) {
      return store.record(r.entry(), clock, () -> stopping).onFailure(err -> {
        if (err instanceof StateStore.Fenced && !stopping) {
          // Another replica fenced this one, so it leads (or believes so): starting runs here would make two.
          stopping = true;
          LOG.error("ticket {} not recorded and the scheduler stops acting: {}", r.entry().id(), oneLine(err));
        }
      });
    }
    if (effect instanceof Effect.Emit e) {
      TicketEntry x = e.entry();
      vertx.eventBus().publish(TicketEvent.ADDRESS,
          new TicketEvent(e.type(), x.id(), x.node(), clock.instant(), e.data().put("ticket", x.id()), e.runId())
              .toJson());
      return Future.succeededFuture();
    }
    if (effect instanceof Effect.Start s) {
      if (stopping) {
        // Recorded as running, not started: the next leader (or start) resumes it from the state topic.
        return Future.succeededFuture();
      }
      return start(s.entry(), s.resumed());
    }
    if (effect instanceof Effect.Resume r) {
      vertx.setTimer(config.engine().nodeLease().toMillis(), t -> {
        if (!stopping) {
          List<Effect> out = new ArrayList<>();
          schedule.resumeInterrupted(r.runId(), out);
          carryOut(out);
        }
      });
      return Future.succeededFuture();
    }
    if (effect instanceof Effect.Cancel c) {
      vertx.eventBus().request(EngineVerticle.CANCEL, new JsonObject().put("runId", c.runId()).put("why", c.why()));
      return Future.succeededFuture();
    }
    if (effect instanceof Effect.Hold h) {
      vertx.eventBus().request(EngineVerticle.HOLD, new JsonObject().put("runId", h.runId())
          .put("held", h.held()));
      return Future.succeededFuture();
    }
    return Future.succeededFuture();
  }

  /**
   * Starts a run on the engine. A resumed run whose node no longer carries its record, though it had gone past the
   * cordon, ended before the restart (its uncordon erased the record): it is not run a second time.
   */
  private Future<Void> start(TicketEntry e, boolean resumed) {
    Future<Boolean> endedEarlier = Future.succeededFuture(false);
    if (resumed && e.step != null && Set.of("drain", "confirm", "uncordon").contains(e.step)
        && e.ticket.kind() != Ticket.Kind.RELEASE && e.ticket.kind() != Ticket.Kind.RECOVER) {
      endedEarlier = vertx.eventBus().<JsonObject>request(ClusterWatch.NODE, e.node(),
              new DeliveryOptions().setSendTimeout(10_000))
          .map(reply -> reply.body() == null || !e.runId.equals(reply.body().getString("takeoverRun")))
          .otherwise(false);
    }
    return endedEarlier.compose(ended -> {
      if (ended) {
        List<Effect> out = new ArrayList<>();
        schedule.endedBeforeRestart(e, "run " + e.runId + " ended while the daemon was down (it was at step "
            + e.step + " and the node no longer carries its record); its outcome was not recorded", cordoned, out);
        carryOut(out);
        return Future.succeededFuture();
      }
      JsonObject body = new JsonObject().put("ticket", StoredTickets.toJson(e.ticket)).put("runId", e.runId)
          .put("resumed", resumed)
          // The StatefulSet pods it evicted before the restart: no longer on the node, they are confirmed all the same.
          .put("earlier", resumed ? new JsonArray(e.evicted.stream().map(EvictedEarlier::toJson).toList()) : null);
      return vertx.eventBus().request(EngineVerticle.RUN, body, new DeliveryOptions().setSendTimeout(30_000))
          .<Void>mapEmpty().recover(err -> {
            if (stopping || err instanceof io.vertx.core.eventbus.ReplyException r
                && r.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS) {
              // No engine here any more (this replica is stepping down): not a failure of the ticket, which stays
              // running in the state topic for the next leader to resume.
              LOG.info("run {} of ticket {} not started here: this replica stops acting", e.runId, e.id());
              return Future.succeededFuture();
            }
            List<Effect> out = new ArrayList<>();
            schedule.startFailed(e, "the engine did not take the run: " + oneLine(err), cordoned, out);
            carryOut(out);
            return Future.succeededFuture();
          });
    });
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
