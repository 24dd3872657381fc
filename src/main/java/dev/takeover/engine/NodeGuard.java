package dev.takeover.engine;

import dev.takeover.kube.KubeCalls;
import dev.takeover.kube.LeaseOps;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One Lease per node a run writes to, {@code kube-node-lease/takeover-<node>}, so that two processes never act on one
 * node at once: two {@code takeover run} on a node, a CLI and the daemon, or a daemon replica that lost its
 * leadership and the one that took over. The second refuses and names the holder; a run resumed after a failover
 * waits for the previous holder's Lease to run out instead.
 *
 * <p>Why {@code kube-node-lease}: every cluster has it (since 1.14, for the kubelets' heartbeats, also Leases about
 * nodes), so a CLI and a daemon installed in any namespace agree on where to look without a setting.
 *
 * <p>Whether a holder is gone is judged as client-go's leader election does it: on this process's clock, by how long
 * the Lease has been seen unchanged, never by comparing its renewTime (the holder's clock) with ours. A Lease that
 * looks stale by its renewTime is watched for a whole duration before it is taken (the longer of ours and the one the
 * holder's Lease declares); one that looks fresh belongs to a live holder: a fresh run refuses at once, a resumed one
 * waits (a bounded time) for it to stop being renewed.
 *
 * <p>The duration is {@link dev.takeover.config.EngineConfig#nodeLease()}: production's 15 s, shorter in tests.
 */
final class NodeGuard {
  private static final Logger LOG = LoggerFactory.getLogger(NodeGuard.class);
  static final String NAMESPACE = "kube-node-lease";
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  private final Vertx vertx;
  private final LeaseOps leases;
  private final String identity;
  private final Clock clock;
  /** How long a holder's Lease lasts unrenewed; it is renewed every third of that. */
  private final Duration duration;
  private final GuardLease leaseOf;

  NodeGuard(Vertx vertx, LeaseOps leases, String identity, Clock clock, Duration duration) {
    this.vertx = vertx;
    this.leases = leases;
    this.identity = identity;
    this.clock = clock;
    this.duration = duration;
    this.leaseOf = new GuardLease(identity, duration, clock);
  }

  /** The Lease's name for a node (a Lease name, like a node's, is at most 253 characters). */
  static String leaseName(String node) {
    String name = "takeover-" + node;
    return name.length() <= 253 ? name : name.substring(0, 253);
  }

  /** A node held by this process, renewed until {@link #release()}. */
  final class Held {
    private final Run run;
    private final long timer;
    private volatile boolean released;
    /** The renewal in flight, if any: a release waits for it (else the two writes race and the release loses). */
    private Future<Void> renewing = Future.succeededFuture();
    /**
     * When our last write of the Lease that succeeded was sent (System.nanoTime: a wall clock step must not count).
     * Sent, not answered: the others count from when they saw it, which is later, so the deadline errs early.
     */
    private volatile long renewedAt;
    /** When the last renewal was tried. */
    private long triedAt;

    Held(Run run, long sentAt) {
      this.run = run;
      this.renewedAt = sentAt;
      this.triedAt = sentAt;
      // Ticks often: the deadline is judged every tick, even while a renewal hangs (a request queued behind slow
      // ones can take the client's whole timeout); a renewal is tried every third of the duration.
      this.timer = vertx.setPeriodic(Math.max(100, duration.toMillis() / 10), t -> tick());
    }

    private void tick() {
      if (released || run.lostTo != null) {
        return;
      }
      long now = System.nanoTime();
      if (now - renewedAt > duration.toNanos() * 2 / 3) {
        // Not renewed for two thirds of its duration: another process may take it soon, by its own clock. Stop
        // writing before it may start.
        lose("nobody yet (its Lease could not be renewed for " + (now - renewedAt) / 1_000_000_000 + " s)");
        return;
      }
      if (renewing.isComplete() && now - triedAt >= duration.toNanos() / 3) {
        triedAt = now;
        renewing = renew();
      }
    }

    private Future<Void> renew() {
      String node = run.nodeName();
      return leases.get(NAMESPACE, leaseName(node)).compose(now -> {
        if (now == null || !identity.equals(GuardLease.holder(now))) {
          // Someone judged us gone (a pause, a partition) and holds the node now: stop acting on it at once.
          lose(now == null ? "nobody (the Lease was deleted)" : GuardLease.holder(now));
          return Future.succeededFuture();
        }
        long before = System.nanoTime();
        return leases.update(leaseOf.renewed(now)).onSuccess(l -> renewedAt = before).<Void>mapEmpty();
      }).otherwise(e -> {
        run.id.keys().during(() -> LOG.warn("{}: renewing node {}'s Lease failed (tried again in {} s): {}", run.id,
            node, duration.toSeconds() / 3, e.getMessage()));
        return null;
      });
    }

    private void lose(String to) {
      if (run.lostTo == null) {
        run.id.keys().during(() -> LOG.error("{}: lost node {}'s Lease to {}; the run stops and writes nothing more "
            + "on the node", run.id, run.nodeName(), to));
      }
      run.lostTo = to;
      run.cancelled = "lost node " + run.nodeName() + "'s Lease to " + to;
      vertx.cancelTimer(timer);
    }

    /** Stops renewing and clears the holder (the Lease stays, empty: the next run takes it at once). */
    Future<Void> release() {
      released = true;
      vertx.cancelTimer(timer);
      return renewing.transform(x -> run.lostTo != null ? Future.succeededFuture() : clear(3));
    }

    private Future<Void> clear(int attempts) {
      return leases.get(NAMESPACE, leaseName(run.nodeName()))
          .compose(now -> now == null || !identity.equals(GuardLease.holder(now))
              ? Future.succeededFuture() : leases.update(leaseOf.cleared(now)).<Void>mapEmpty())
          .recover(e -> {
            if (KubeCalls.statusOf(e) == 409 && attempts > 1) {
              return clear(attempts - 1);
            }
            run.id.keys().during(() -> LOG.warn("{}: releasing node {}'s Lease failed (it runs out in {} s): {}",
                run.id, run.nodeName(), duration.toSeconds(), e.getMessage()));
            return Future.succeededFuture();
          });
    }
  }

  /** Why a node cannot be held: another holder, named, with what to do if it is gone for good. */
  static final class Taken extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Taken(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Takes the node's Lease for {@code run}. Fails with {@link Taken} when another process holds it; a {@code resumed}
   * run waits up to {@code patience} for the holder to stop renewing it.
   */
  Future<Held> acquire(Run run, boolean resumed, Duration patience) {
    Promise<Held> done = Promise.promise();
    attempt(run, resumed, monotonic().plus(patience), null, null, done);
    return done.future();
  }

  /**
   * One try. {@code seen} is the Lease as last read and {@code seenAt} when it was first read in that state (this
   * process's clock): it is taken once it has stayed the same for a whole duration.
   */
  private void attempt(Run run, boolean resumed, Instant giveUp, Lease seen, Instant seenAt, Promise<Held> done) {
    String node = run.nodeName();
    String name = leaseName(node);
    leases.get(NAMESPACE, name).onComplete(read -> {
      if (read.failed()) {
        retryOrFail(run, resumed, giveUp, seen, seenAt, done, read.cause());
        return;
      }
      Lease now = read.result();
      Instant at = monotonic();
      if (now == null) {
        write(run, false, System.nanoTime(), leases.create(leaseOf.fresh(node, run)), resumed, giveUp, done);
        return;
      }
      String holder = GuardLease.holder(now);
      if (!GuardLease.ours(now)) {
        // Lease names are node names: a node called "takeover-<node>" heartbeats under this very name. Renewing a
        // dead node's heartbeat would tell the node lifecycle controller it lives, so a Lease Takeover did not
        // create is never written, whatever its state.
        done.fail(new Taken("node " + node + ": Lease " + NAMESPACE + "/" + name + " exists and is not Takeover's (without "
            + "the label " + MANAGED_BY + "=takeover, or owned by an object; holder '" + holder + "', perhaps the heartbeat of a node named "
            + name + "); Takeover never writes it, so it cannot guard node " + node));
        return;
      }
      boolean unchanged = seen != null && GuardLease.sameRecord(seen, now);
      Instant since = unchanged ? seenAt : at;
      Duration lasts = GuardLease.leaseDuration(now).compareTo(duration) > 0 ? GuardLease.leaseDuration(now) : duration;
      if (holder.isEmpty() || holder.equals(identity) || !Duration.between(since, at).minus(lasts).isNegative()) {
        if (!holder.isEmpty() && !holder.equals(identity)) {
          run.id.keys().during(() -> LOG.warn("{}: node {}'s Lease held by {} was not renewed for {} s: taking it "
              + "over", run.id, node, holder, Duration.between(since, at).toSeconds()));
        }
        write(run, true, System.nanoTime(), leases.update(leaseOf.taken(now, run)), resumed, giveUp, done);
        return;
      }
      // The holder's renewTime is its clock: only good for telling a fresh holder (refuse now) from a stale-looking
      // one (watch it for a duration first).
      Instant wall = clock.instant();
      boolean looksStale = GuardLease.renewedAt(now).plus(GuardLease.leaseDuration(now)).isBefore(wall);
      if (!resumed && !looksStale) {
        done.fail(new Taken(leaseOf.takenBy(node, now, wall)));
        return;
      }
      if (at.isAfter(giveUp)) {
        done.fail(new Taken(leaseOf.takenBy(node, now, wall) + "; it was still renewed after waiting"));
        return;
      }
      if (seen == null) {
        run.id.keys().during(() -> LOG.info("{}: node {}'s Lease is held by {}; waiting for it to run out", run.id,
            node, holder));
      }
      vertx.setTimer(Math.max(100, duration.toMillis() / 10), t -> attempt(run, resumed, giveUp, now, since, done));
    });
  }

  /** A write that lost a race (409: someone created or renewed it in between) is decided again on what is there. */
  private void write(Run run, boolean update, long sentAt, Future<Lease> written, boolean resumed, Instant giveUp,
                     Promise<Held> done) {
    written.onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(new Held(run, sentAt));
      } else if (KubeCalls.statusOf(ar.cause()) == 409
          || KubeCalls.statusOf(ar.cause()) == 404 && update) {
        // 404 on an update: deleted since it was read (kubectl delete lease, as the refusal suggests): create it.
        attempt(run, resumed, giveUp, null, null, done);
      } else {
        retryOrFail(run, resumed, giveUp, null, null, done, ar.cause());
      }
    });
  }

  /**
   * A failed read or write (a 429, a 5xx, a timeout: these calls are not retried by fabric8) is tried again, once a
   * second, until {@code giveUp}; a refusal that will not change (403: the role lacks the Lease) fails at once.
   */
  private void retryOrFail(Run run, boolean resumed, Instant giveUp, Lease seen, Instant seenAt, Promise<Held> done,
                           Throwable e) {
    int status = KubeCalls.statusOf(e);
    if (status == 401 || status == 403 || status == 404 || monotonic().isAfter(giveUp)) {
      done.fail(e);
      return;
    }
    run.id.keys().during(() -> LOG.warn("{}: node {}'s Lease: {} (trying again)", run.id, run.nodeName(),
        e.getMessage()));
    vertx.setTimer(1000, t -> attempt(run, resumed, giveUp, seen, seenAt, done));
  }

  /**
   * This process's monotonic time as an Instant, for how long a Lease has stayed the same: a step of the wall clock
   * (NTP) must not make a live holder look gone. Only differences of it mean anything.
   */
  private static Instant monotonic() {
    return Instant.EPOCH.plusNanos(System.nanoTime());
  }
}
