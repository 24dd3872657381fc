package dev.takeover.cluster;

import dev.takeover.config.RecoveryConfig;
import dev.takeover.engine.recover.RecoverDecision;
import dev.takeover.intake.TicketJson;
import dev.takeover.intake.TicketPublisher;
import dev.takeover.kube.Kube;
import dev.takeover.ticket.Ticket;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The {@code automatic} dead-node policy as an input: a node reported down ({@link DeadNodeWatch}) whose policy is
 * automatic gets a recover ticket on the tickets topic once its Lease has gone unrenewed for
 * {@code deadNodes.recoverAfter}, like any other ticket (the scheduler's limits, the engine's checks and fencing all
 * apply). The ticket's id is made from the node and the time it went silent, so the same down period is one ticket
 * however often it is reported (a restarted daemon reports it again: the scheduler knows the id, a duplicate).
 * While more than {@code deadNodes.maxDownShare} of the nodes are down, nothing is asked; what was due is asked when
 * the partition is over, if the node is still down then.
 *
 * <p>Asking (reading the node's labels, publishing the ticket) that fails is tried again with a backoff (5 s doubling
 * to 1 min, never more than recoverAfter): a node reported down is not reported again by the same process, so
 * nothing else would ask. A down period gets at most {@value #MOST_ATTEMPTS} tickets: a node whose tickets keep
 * failing (a kubelet back but never Ready, every ticket refused because its Lease was renewed) is then left to the
 * operator, said once, until it is down again.
 */
public final class AutomaticRecovery extends VerticleBase {
  public static final String SOURCE = RecoverDecision.AUTOMATIC_SOURCE;
  /** Tickets per down period, the first included. */
  public static final int MOST_ATTEMPTS = 5;
  static final Duration FIRST_ASK_RETRY = Duration.ofSeconds(5);
  static final Duration LAST_ASK_RETRY = Duration.ofMinutes(1);
  private static final Logger LOG = LoggerFactory.getLogger(AutomaticRecovery.class);

  private final Kube kube;
  private final RecoveryConfig config;
  private final TicketPublisher publisher;
  private final Clock clock;
  /** Nodes down, by name: where the recovery of each down period stands. */
  private final Map<String, Period> due = new HashMap<>();
  private boolean partitioned;
  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<JsonObject> outcomes;

  private enum State {
    /** A timer will ask: recoverAfter, the wait after a failed ticket, or the backoff after a failed ask. */
    WAITING,
    /** Fell due during a partition: asked when it is over. */
    HELD,
    /** The node is being read and the ticket published. */
    ASKING,
    /** The ticket is on the topic: its outcome decides what follows. */
    ASKED,
    /** Nothing more in this down period: not automatic by its labels, gone, or every attempt failed. */
    DONE
  }

  /**
   * One node's down period, from its node.down to its node.recovered. Compared by identity: an answer that comes
   * back for a period that was cancelled or replaced meanwhile changes nothing.
   */
  private static final class Period {
    final String node;
    final Instant silentSince;
    /** 1 for the first ticket of the down period, then one more after each that failed. */
    int attempt = 1;
    Ticket ticket;
    State state = State.WAITING;
    long timer = -1;
    /** Asks of this attempt that failed in a row: the backoff's exponent. */
    int askFailures;

    Period(String node, Instant silentSince, Ticket ticket) {
      this.node = node;
      this.silentSince = silentSince;
      this.ticket = ticket;
    }
  }

  /** @param publisher its own: closed when it stops */
  public AutomaticRecovery(Kube kube, RecoveryConfig config, TicketPublisher publisher, Clock clock) {
    this.kube = kube;
    this.config = config;
    this.publisher = publisher;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(DeadNodeWatch.ADDRESS, m -> onNodeEvent(m.body()));
    outcomes = vertx.eventBus().consumer(dev.takeover.ticket.TicketEvent.ADDRESS, m -> onTicketEvent(m.body()));
    return Future.all(consumer.completion(), outcomes.completion());
  }

  @Override
  public Future<?> stop() {
    due.values().forEach(p -> vertx.cancelTimer(p.timer));
    // An ask still in flight finds its period gone when it ends: no retry timer after the stop (a deposed leader's
    // recovery would otherwise read the node and warn on, with its publisher closed).
    due.clear();
    return Future.join(consumer == null ? Future.succeededFuture() : consumer.unregister(),
        outcomes == null ? Future.succeededFuture() : outcomes.unregister()).eventually(publisher::close);
  }

  private void onNodeEvent(JsonObject e) {
    String node = e.getString("node", "");
    switch (e.getString("type", "")) {
      case DeadNodeWatch.DOWN -> down(node, e.getJsonObject("data", new JsonObject()));
      case DeadNodeWatch.RECOVERED -> {
        Period p = due.remove(node);
        if (p != null) {
          vertx.cancelTimer(p.timer);
        }
      }
      case DeadNodeWatch.PARTITIONED -> partitioned = true;
      case DeadNodeWatch.PARTITION_OVER -> {
        partitioned = false;
        // What fell due during the partition is asked now; the engine re-reads the node before acting.
        due.values().stream().filter(p -> p.state == State.HELD).toList().forEach(this::ask);
      }
      default -> { }
    }
  }

  private void down(String node, JsonObject data) {
    // The period is known by its Lease's last renewTime, as written (stable across restarts and replicas: the
    // ticket's id); recoverAfter counts from when the watch last heard the node on its own clock (silentSince), for
    // renewTime is the kubelet's clock, and one running behind would make recoverAfter pass early.
    Instant known = instant(data.getString("leaseRenewedAt"));
    if (known == null) {
      known = instant(data.getString("notReadySince"));
    }
    if (known == null || due.containsKey(node)) {
      return;
    }
    Instant heard = instant(data.getString("silentSince"));
    Instant from = heard != null && heard.isAfter(known) ? heard : known;
    Period p = new Period(node, known, ticket(node, known, 1));
    due.put(node, p);
    wait(p, Duration.between(clock.instant(), from.plus(config.recoverAfter())).toMillis());
  }

  /**
   * What became of a ticket of ours. One that failed (a fencing hook down, a refusal because the node was briefly
   * heard) is not the end of the node's recovery while it is still down: the next attempt, a ticket of its own, is
   * asked after recoverAfter, up to {@value #MOST_ATTEMPTS} tickets. A ticket the scheduler already knows (a
   * restarted daemon asking again) and that failed is followed at once by the next attempt: the wait was served
   * before the restart, and it counts against the same bound.
   */
  private void onTicketEvent(JsonObject e) {
    String node = e.getString("node", "");
    Period p = due.get(node);
    if (p == null || p.state == State.DONE || !p.ticket.id().equals(e.getString("ticket"))) {
      return;
    }
    String type = e.getString("type", "");
    JsonObject data = e.getJsonObject("data", new JsonObject());
    boolean failedNow = "failed".equals(type) || "expired".equals(type);
    boolean failedBefore = "duplicate".equals(type) && "failed".equals(data.getString("state"));
    if (!failedNow && !failedBefore) {
      return;
    }
    String reason = data.getString("reason", data.getString("state", ""));
    vertx.cancelTimer(p.timer);
    if (p.attempt >= MOST_ATTEMPTS) {
      p.state = State.DONE;
      p.timer = -1;
      dev.takeover.logs.RunKeys.of(e).during(() -> LOG.warn("automatic recovery of {} given up: {} tickets of its "
          + "down period (silent since {}) failed, the last {} ({}); no more is asked until it is down again: if it "
          + "is off, recover it by hand", node, p.attempt, p.silentSince, p.ticket.id(), reason));
      return;
    }
    String failed = p.ticket.id();
    p.attempt++;
    p.ticket = ticket(node, p.silentSince, p.attempt);
    p.askFailures = 0;
    long wait = failedBefore ? 1 : config.recoverAfter().toMillis();
    dev.takeover.logs.RunKeys.of(e).during(() -> LOG.warn("automatic recovery of {}: ticket {} failed ({}); attempt {} "
        + "of {} in {} s", node, failed, reason, p.attempt, MOST_ATTEMPTS, wait / 1000));
    wait(p, wait);
  }

  private void wait(Period p, long millis) {
    p.state = State.WAITING;
    p.timer = vertx.setTimer(Math.max(1, millis), t -> fire(p));
  }

  private void fire(Period p) {
    if (due.get(p.node) != p || p.state != State.WAITING) {
      return;
    }
    p.timer = -1;
    if (partitioned) {
      p.state = State.HELD;
      LOG.warn("{} is due for automatic recovery, but too many nodes are down (deadNodes.maxDownShare): held",
          p.node);
      return;
    }
    ask(p);
  }

  /**
   * Publishes the ticket if the node's policy is automatic now (labels read fresh: a policy is by label). Either
   * failing is asked again after a backoff, the same ticket: one that reached the topic after all is a duplicate.
   */
  private void ask(Period p) {
    p.state = State.ASKING;
    Ticket t = p.ticket;
    kube.nodes.get(t.node()).compose(n -> {
      if (n == null || config.policyOf(n.getMetadata().getLabels()) != RecoveryConfig.Policy.AUTOMATIC) {
        return Future.succeededFuture(false);
      }
      byte[] json = TicketJson.toJson(t).encode().getBytes(StandardCharsets.UTF_8);
      return publisher.publish(t.node(), json, SOURCE).map(true);
    }).onComplete(ar -> {
      if (due.get(p.node) != p || p.state != State.ASKING || p.ticket != t) {
        return; // recovered, or its outcome already came (a ticket told failed before the broker's ack)
      }
      if (ar.failed()) {
        p.askFailures++;
        long backoff = askBackoff(p.askFailures, config.recoverAfter()).toMillis();
        LOG.warn("automatic recovery of {} not asked: {}; asked again in {} s", t.node(), ar.cause().getMessage(),
            backoff / 1000.0);
        wait(p, backoff);
      } else if (ar.result()) {
        p.state = State.ASKED;
        p.askFailures = 0;
        LOG.info("automatic recovery of {} asked: ticket {}", t.node(), t.id());
      } else {
        p.state = State.DONE;
        LOG.info("automatic recovery of {} not asked: its policy is not automatic now (or it is gone)", t.node());
      }
    });
  }

  /**
   * After the {@code failures}-th failed ask in a row: 5 s doubling to 1 min, never more than recoverAfter (nor
   * less than 1 s: a recoverAfter of 0 must not turn an API server that refuses into a loop of reads).
   */
  static Duration askBackoff(int failures, Duration recoverAfter) {
    Duration most = recoverAfter.compareTo(LAST_ASK_RETRY) < 0 ? recoverAfter : LAST_ASK_RETRY;
    most = most.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : most;
    Duration d = FIRST_ASK_RETRY.multipliedBy(1L << Math.min(Math.max(0, failures - 1), 10));
    return d.compareTo(most) < 0 ? d : most;
  }

  /**
   * The recover ticket of one attempt in one down period: its id names the node, when it went silent and the
   * attempt after the first ({@code recover-<node>-<epoch seconds>[-<attempt>]}; a node name too long for a ticket
   * id is replaced by a hash of it). The whole ticket, not only its id, is made of these alone: a report's own words
   * ("Ready Unknown since … (17 s, grace …)") change with each report, and so may the settings over a rolling update;
   * the same id with other content is a conflict to the scheduler (rejected, a dead letter), not the duplicate a
   * restarted or new leader's ask must be.
   */
  static Ticket ticket(String node, Instant silentSince, int attempt) {
    String period = silentSince.getEpochSecond() + (attempt > 1 ? "-" + attempt : "");
    String id = "recover-" + node + "-" + period;
    if (id.length() > 128) {
      id = "recover-" + sha256(node).substring(0, 24) + "-" + period;
    }
    return new Ticket(id, node, Ticket.Kind.RECOVER, Ticket.Options.defaults(), SOURCE, "takeover",
        "automatic recovery: silent since " + silentSince + ", longer than deadNodes.recoverAfter",
        null, null);
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static Instant instant(String text) {
    try {
      return text == null ? null : Instant.parse(text);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
