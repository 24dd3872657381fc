package dev.takeover.daemon;

import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * Deploys the daemon's parts and keeps them up. A part that does not start is deployed again with a backoff (0.5 s
 * doubling to 30 s). An exception a part lets slip is reported in one line, naming the part, and never reaches
 * the daemon; a part that lets {@link #FAILURES} slip within {@link #WINDOW} is taken as broken and restarted: a
 * fresh instance, deployed the same way (Erlang's supervisors restart a child the same way, on intensity). A part
 * made with {@code restartable == false} (the engine: a restart would drop the runs it holds) is only reported.
 * What counts is what the part's context reports: exceptions of its timers, futures and client callbacks.
 */
final class Supervisor {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
  static final int FAILURES = 3;
  static final Duration WINDOW = Duration.ofSeconds(60);

  /** One part: its name, how to make it, and what it does now. */
  private final class Part {
    final String name;
    final Supplier<Deployable> make;
    final boolean restartable;
    final Deque<Long> failures = new ArrayDeque<>();
    String deploymentId;
    /** The deploy in flight, if any; completes once it is over (and, when it ended after the stop, undone). */
    Future<Void> deploying = Future.succeededFuture();
    boolean restarting;
    int restarts;

    Part(String name, Supplier<Deployable> make, boolean restartable) {
      this.name = name;
      this.make = make;
      this.restartable = restartable;
    }
  }

  private final Vertx vertx;
  private final List<Part> parts = new ArrayList<>();
  private boolean stopping;

  Supervisor(Vertx vertx) {
    this.vertx = vertx;
    // Exceptions on contexts that are not a part's (a worker pool's, a client's) end here.
    vertx.exceptionHandler(e -> LOG.error("an exception slipped outside the daemon's parts (the daemon goes on): {}",
        Daemon.oneLine(e)));
  }

  /** Deploys a part, trying again until it starts; completes when it has started. */
  Future<Void> deploy(String name, Supplier<Deployable> make, boolean restartable) {
    Part part = new Part(name, make, restartable);
    parts.add(part);
    Promise<Void> done = Promise.promise();
    attempt(part, 0, done);
    return done.future();
  }

  /**
   * Deploys a part whose first start must succeed (the HTTP server: a port in use is a setting to fix, not a wait),
   * failing with its cause; once up, it is kept up like the others.
   */
  Future<Void> deployOrFail(String name, Supplier<Deployable> make) {
    Part part = new Part(name, make, true);
    return vertx.deployVerticle(watched(part, make.get())).map(id -> {
      part.deploymentId = id;
      parts.add(part);
      LOG.info("{} started", name);
      return (Void) null;
    });
  }

  /** How many times a part was restarted after failing (for the tests and the log). */
  int restarts(String name) {
    return parts.stream().filter(p -> p.name.equals(name)).mapToInt(p -> p.restarts).sum();
  }

  private void attempt(Part part, int n, Promise<Void> done) {
    if (stopping) {
      done.tryFail("stopping");
      return;
    }
    Promise<Void> over = Promise.promise();
    part.deploying = over.future();
    vertx.deployVerticle(watched(part, part.make.get())).onComplete(ar -> {
      if (ar.succeeded() && stopping) {
        // Came up after the stop began (its deploy was in flight): it goes at once, as the others went, and the stop
        // waits for that (a scheduler that came up after its replica stepped down must not act on).
        vertx.undeploy(ar.result()).onComplete(x -> over.complete());
        done.tryFail("stopping");
        return;
      }
      over.complete();
      if (ar.succeeded()) {
        part.deploymentId = ar.result();
        LOG.info("{} started", part.name);
        done.complete();
        return;
      }
      long delay = Math.min(30_000L, 500L << Math.min(n, 6));
      LOG.warn("{} did not start (attempt {}): {}; trying again in {} s", part.name, n + 1, Daemon.oneLine(ar.cause()),
          delay / 1000.0);
      vertx.setTimer(delay, t -> attempt(part, n + 1, done));
    });
  }

  /** The part, with its context's exceptions sent to {@link #failed} instead of the log alone. */
  private Deployable watched(Part part, Deployable inner) {
    return new Deployable() {
      @Override
      public Future<?> deploy(Context context) throws Exception {
        context.exceptionHandler(e -> failed(part, e));
        return inner.deploy(context);
      }

      @Override
      public Future<?> undeploy(Context context) throws Exception {
        return inner.undeploy(context);
      }
    };
  }

  private void failed(Part part, Throwable e) {
    LOG.error("{} let an exception slip (the daemon goes on): {}", part.name, Daemon.oneLine(e));
    long now = System.nanoTime();
    part.failures.addLast(now);
    while (!part.failures.isEmpty() && now - part.failures.peekFirst() > WINDOW.toNanos()) {
      part.failures.removeFirst();
    }
    if (!part.restartable || part.restarting || stopping || part.failures.size() < FAILURES) {
      return;
    }
    part.restarting = true;
    part.failures.clear();
    part.restarts++;
    LOG.error("{} failed {} times within {} s: restarting it", part.name, FAILURES, WINDOW.toSeconds());
    String old = part.deploymentId;
    vertx.undeploy(old).otherwiseEmpty().onComplete(x -> {
      Promise<Void> up = Promise.promise();
      attempt(part, 0, up);
      up.future().onComplete(ar -> part.restarting = false);
    });
  }

  /**
   * Stops the parts in the reverse order of their start, each deployed one undeployed, each one still deploying
   * awaited (up to {@link #DEPLOYING_PATIENCE}) and then undeployed.
   */
  Future<Void> stop() {
    stopping = true;
    Future<Void> chain = Future.succeededFuture();
    for (int i = parts.size() - 1; i >= 0; i--) {
      Part part = parts.get(i);
      chain = chain.transform(ar -> {
        String id = part.deploymentId;
        Future<Void> undeployed = id == null ? Future.succeededFuture() : vertx.undeploy(id).otherwiseEmpty();
        return undeployed.transform(x -> within(part.deploying, part.name));
      });
    }
    return chain;
  }

  /** How long a stop waits for a part's deploy in flight (a scheduler reading the state topic, say). */
  static final Duration DEPLOYING_PATIENCE = Duration.ofSeconds(10);

  private Future<Void> within(Future<Void> deploying, String name) {
    if (deploying.isComplete()) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(DEPLOYING_PATIENCE.toMillis(), t -> {
      LOG.warn("{} was still starting {} s after the stop began; the stop goes on without it", name,
          DEPLOYING_PATIENCE.toSeconds());
      done.tryComplete();
    });
    deploying.onComplete(x -> {
      vertx.cancelTimer(timer);
      done.tryComplete();
    });
    return done.future();
  }
}
