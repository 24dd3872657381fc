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
 */
public final class AutomaticRecovery extends VerticleBase {
  public static final String SOURCE = RecoverDecision.AUTOMATIC_SOURCE;
  private static final Logger LOG = LoggerFactory.getLogger(AutomaticRecovery.class);

  private final Kube kube;
  private final RecoveryConfig config;
  private final TicketPublisher publisher;
  private final Clock clock;
  /** Nodes down, by name: the timer that will ask for their recovery, and the ticket it will publish. */
  private final Map<String, Due> due = new HashMap<>();
  private boolean partitioned;
  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<JsonObject> outcomes;

  /**
   * @param timer       the pending timer, or -1 once fallen due
   * @param silentSince when the node went silent: with the attempt, the ticket's id
   * @param attempt     1 for the first ticket of the down period, then one more after each that failed
   */
  private record Due(long timer, Ticket ticket, Instant silentSince, int attempt) {}

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
    due.values().forEach(d -> vertx.cancelTimer(d.timer()));
    return Future.join(consumer == null ? Future.succeededFuture() : consumer.unregister(),
        outcomes == null ? Future.succeededFuture() : outcomes.unregister()).eventually(publisher::close);
  }

  private void onNodeEvent(JsonObject e) {
    String node = e.getString("node", "");
    switch (e.getString("type", "")) {
      case DeadNodeWatch.DOWN -> down(node, e.getJsonObject("data", new JsonObject()));
      case DeadNodeWatch.RECOVERED -> {
        Due d = due.remove(node);
        if (d != null) {
          vertx.cancelTimer(d.timer());
        }
      }
      case "nodes.partitioned" -> partitioned = true;
      case "nodes.partition-over" -> {
        partitioned = false;
        // What fell due during the partition is asked now; the engine re-reads the node before acting.
        due.values().stream().filter(d -> d.timer() < 0).toList().forEach(d -> ask(d.ticket()));
      }
      default -> { }
    }
  }

  private void down(String node, JsonObject data) {
    Instant silentSince = instant(data.getString("leaseRenewedAt"));
    if (silentSince == null) {
      silentSince = instant(data.getString("notReadySince"));
    }
    if (silentSince == null || due.containsKey(node)) {
      return;
    }
    Ticket ticket = ticket(node, silentSince, 1);
    long wait = Math.max(1, Duration.between(clock.instant(), silentSince.plus(config.recoverAfter())).toMillis());
    due.put(node, new Due(vertx.setTimer(wait, t -> fire(node)), ticket, silentSince, 1));
  }

  /**
   * What became of a ticket of ours. One that failed (a fencing hook down, a refusal because the node was briefly
   * heard) is not the end of the node's recovery while it is still down: the next attempt, a ticket of its own, is
   * asked after recoverAfter. A ticket the scheduler already knows (a restarted daemon asking again) and that failed
   * is followed at once by the next attempt: the wait was served before the restart.
   */
  private void onTicketEvent(JsonObject e) {
    String node = e.getString("node", "");
    Due d = due.get(node);
    if (d == null || !d.ticket().id().equals(e.getString("ticket"))) {
      return;
    }
    String type = e.getString("type", "");
    JsonObject data = e.getJsonObject("data", new JsonObject());
    boolean failedNow = "failed".equals(type) || "expired".equals(type);
    boolean failedBefore = "duplicate".equals(type) && "failed".equals(data.getString("state"));
    if (!failedNow && !failedBefore) {
      return;
    }
    int next = d.attempt() + 1;
    Ticket retry = ticket(node, d.silentSince(), next);
    long wait = failedBefore ? 1 : Math.max(1, config.recoverAfter().toMillis());
    dev.takeover.logs.RunKeys.of(e).during(() -> LOG.warn("automatic recovery of {}: ticket {} failed ({}); attempt {} "
        + "in {} s", node, d.ticket().id(), data.getString("reason", data.getString("state", "")), next, wait / 1000));
    due.put(node, new Due(vertx.setTimer(wait, t -> fire(node)), retry, d.silentSince(), next));
  }

  private void fire(String node) {
    Due d = due.get(node);
    if (d == null) {
      return;
    }
    due.put(node, new Due(-1, d.ticket(), d.silentSince(), d.attempt())); // asked now, or after a partition
    if (partitioned) {
      LOG.warn("{} is due for automatic recovery, but too many nodes are down (deadNodes.maxDownShare): held",
          node);
      return;
    }
    ask(d.ticket());
  }

  /** Publishes the ticket if the node's policy is automatic now (labels read fresh: a policy is by label). */
  private void ask(Ticket t) {
    kube.nodes.get(t.node()).compose(n -> {
      if (n == null || config.policyOf(n.getMetadata().getLabels()) != RecoveryConfig.Policy.AUTOMATIC) {
        return Future.succeededFuture(false);
      }
      byte[] json = TicketJson.toJson(t).encode().getBytes(StandardCharsets.UTF_8);
      return publisher.publish(t.node(), json, SOURCE).map(true);
    }).onComplete(ar -> {
      if (ar.failed()) {
        // Asked again at the next report of the node (a restart, or the detector's next down period).
        LOG.warn("automatic recovery of {} not asked: {}", t.node(), ar.cause().getMessage());
      } else if (ar.result()) {
        LOG.info("automatic recovery of {} asked: ticket {}", t.node(), t.id());
      }
    });
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
