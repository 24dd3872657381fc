package dev.takeover.daemon;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Leader election on a Lease with fabric8's {@code LeaderElector}: this replica leads while it holds the Lease. Its
 * verdicts are told on one Vert.x context, in order: {@code lead} deploys the parts that act, {@code follow} takes
 * them down. A leader that cannot renew within the renew deadline stops leading (it has stopped acting before the
 * Lease runs out for the others); it then runs for the Lease again.
 *
 * <p>On {@link #stop()}: the parts that act go first, then the Lease is released (holder cleared), so that another
 * replica takes over within its retry period instead of the Lease's whole duration.
 */
class Leadership {
  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

  private final Vertx vertx;
  private final Context context;
  private final KubernetesClient client;
  private final DaemonConfig.Leader config;
  private final String namespace;
  private final String identity;
  private final Supplier<Future<Void>> lead;
  private final Supplier<Future<Void>> follow;
  private final ExecutorService executor;
  private Future<Void> transitions = Future.succeededFuture();
  private CompletableFuture<?> election;
  private io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector elector;
  private volatile boolean leading;
  private volatile String leader = "";
  private boolean stopping;

  Leadership(Vertx vertx, KubernetesClient client, DaemonConfig.Leader config, String namespace, String identity,
             Supplier<Future<Void>> lead, Supplier<Future<Void>> follow) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.client = client;
    this.config = config;
    this.namespace = namespace;
    this.identity = identity;
    this.lead = lead;
    this.follow = follow;
    // fabric8's elector makes blocking calls on this executor: never a Vert.x event loop.
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "takeover-leader-election");
      t.setDaemon(true);
      return t;
    });
  }

  boolean leading() {
    return leading;
  }

  /** The holder of the Lease as last seen ("" before it was seen). */
  String leader() {
    return leader;
  }

  String describe() {
    return "Lease " + namespace + "/" + config.leaseName();
  }

  void start() {
    context.runOnContext(v -> run());
  }

  private void run() {
    if (stopping) {
      return;
    }
    LOG.info("running for leader on {} as {}", describe(), identity);
    // Not releaseOnCancel: fabric8 then also releases when a renewal misses its deadline, and before it tells us
    // (onStopLeading), so another replica could lead while this one still acts. The Lease is released by stop(),
    // once the acting parts are down; a lost one simply runs out.
    io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector built = new LeaderElectorBuilder(client, executor)
        .withConfig(new LeaderElectionConfigBuilder()
        .withName("takeover").withLock(new ObservedLease(new LeaseLock(namespace, config.leaseName(), identity)))
        .withLeaseDuration(config.leaseDuration()).withRenewDeadline(config.renewDeadline())
        .withRetryPeriod(config.retryPeriod()).withReleaseOnCancel(false)
        .withLeaderCallbacks(new LeaderCallbacks(() -> turn(true), () -> turn(false), this::newLeader)).build())
        .build();
    elector = built;
    CompletableFuture<?> e = built.start();
    election = e;
    e.whenComplete((x, failure) -> context.runOnContext(y -> {
      if (stopping || election != e) {
        return;
      }
      // The elector ends when leadership was lost (or never won because it failed): run again once the parts are down.
      LOG.warn("leader election ended{}; running again", failure == null ? "" : " (" + Daemon.oneLine(failure) + ")");
      transitions.onComplete(z -> vertx.setTimer(config.retryPeriod().toMillis(), t -> run()));
    }));
  }

  private void newLeader(String id) {
    leader = id == null ? "" : id;
    LOG.info("the leader is {}", leader.isEmpty() ? "nobody (the Lease was released)" : leader);
    seen(leader);
  }

  /** Told of each new holder seen (on the elector's thread); for the daemon's start. */
  void seen(String holder) {}

  /** Serialized on the context: a loss while the parts still deploy takes them down once they are up. */
  private void turn(boolean lead) {
    context.runOnContext(v -> {
      if (lead == leading || (lead && stopping)) {
        return;
      }
      leading = lead;
      if (lead) {
        LOG.info("leading: this replica ({}) now reads tickets and runs them", identity);
      } else {
        LOG.warn("no longer leading: this replica ({}) stops acting", identity);
      }
      // Stepping down does not wait for a lead still coming up (a part that cannot start is tried again and again):
      // what is up stops now, what comes up later is stopped as it comes. Taking the lead waits for the last step down.
      Future<Void> step = lead ? transitions.transform(ar -> this.lead.get()) : follow.get();
      Future<Void> previous = transitions;
      transitions = Future.join(previous, step).<Void>mapEmpty()
          .otherwise(e -> {
            LOG.error("{} failed: {}", lead ? "taking the lead" : "stepping down", Daemon.oneLine(e));
            return null;
          });
    });
  }

  /** Stops acting, then releases the Lease; completes when both are done (or the release gave up). */
  Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      stopping = true;
      boolean wasLeading = leading;
      leading = false;
      Future<Void> down = wasLeading ? follow.get() : Future.succeededFuture();
      // The Lease goes once the parts that act are down (not waiting for a lead that never came up).
      down.onComplete(ar -> {
        CompletableFuture<?> e = election;
        io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector el = elector;
        // Cancel, then release the Lease if this replica still holds it (a blocking write): on the elector's own
        // thread, after its current try. Released, the others take it within their retry period.
        Promise<Void> released = Promise.promise();
        executor.execute(() -> {
          try {
            if (e != null) {
              e.cancel(true);
            }
            if (el != null) { // it releases only a Lease this replica holds
              el.release();
            }
          } catch (RuntimeException x) {
            LOG.warn("releasing {}: {} (it runs out in {} s)", describe(), Daemon.oneLine(x),
                config.leaseDuration().toSeconds());
          } finally {
            released.complete();
          }
        });
        released.future().onComplete(x -> {
          executor.shutdown();
          done.complete();
        });
      });
    });
    return done.future();
  }

  /**
   * fabric8's elector judges a holder gone when its renewTime (the holder's clock) plus the duration is past by our
   * clock: a replica whose clock runs ahead would take a live leader's Lease. Like client-go, judge by our own clock
   * instead: the record read is given the time at which this process first saw it in that state as renewTime.
   */
  static final class ObservedLease implements Lock {
    private final LeaseLock lease;
    private LeaderElectionRecord seen;
    private long seenNanos;

    ObservedLease(LeaseLock lease) {
      this.lease = lease;
    }

    @Override
    public synchronized LeaderElectionRecord get(KubernetesClient client) {
      LeaderElectionRecord r;
      try {
        r = lease.get(client);
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        throw e;
      } catch (RuntimeException e) {
        // A Lease without its durations or times (written by hand, or by another tool) makes fabric8 throw a
        // NullPointerException, which would end its elector for good: say it, and let it try again.
        throw new io.fabric8.kubernetes.client.KubernetesClientException(describe() + " is unreadable (" + e
            + "); delete it and the replicas write a new one", e);
      }
      if (r == null) {
        return null;
      }
      if (!r.equals(seen)) {
        seen = r;
        seenNanos = System.nanoTime();
      }
      // The time it was first seen in this state, on our monotonic clock, as if it were the holder's renewal.
      ZonedDateTime seenAt = ZonedDateTime.now(ZoneOffset.UTC).minusNanos(System.nanoTime() - seenNanos);
      return new LeaderElectionRecord(r.getHolderIdentity(), r.getLeaseDuration(), r.getAcquireTime(), seenAt,
          r.getLeaderTransitions());
    }

    @Override
    public void create(KubernetesClient client, LeaderElectionRecord record) {
      lease.create(client, record);
    }

    @Override
    public void update(KubernetesClient client, LeaderElectionRecord record) {
      lease.update(client, record);
    }

    @Override
    public String identity() {
      return lease.identity();
    }

    @Override
    public String describe() {
      return lease.describe();
    }
  }
}
