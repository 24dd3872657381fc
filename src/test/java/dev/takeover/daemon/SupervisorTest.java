package dev.takeover.daemon;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon's parts under the supervisor: slow to start, throwing, broken; the daemon stays up throughout. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SupervisorTest {
  final Vertx vertx = Vertx.vertx();

  /** A part that answers on {@code address}, throws on "boom", and counts its starts (and refuses the first n). */
  static final class Part extends VerticleBase {
    final String address;
    final AtomicInteger starts;
    final int refuse;

    Part(String address, AtomicInteger starts, int refuse) {
      this.address = address;
      this.starts = starts;
      this.refuse = refuse;
    }

    @Override
    public Future<?> start() {
      if (starts.incrementAndGet() <= refuse) {
        return Future.failedFuture("not yet (start " + starts.get() + ")");
      }
      return vertx.eventBus().<String>consumer(address, m -> {
        if (m.body().equals("boom")) {
          // Thrown from a timer, as a part's own handlers throw: the context reports it.
          vertx.setTimer(1, t -> {
            throw new IllegalStateException("boom in " + address);
          });
          return;
        }
        m.reply("alive " + starts.get());
      }).completion();
    }
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static void within(long seconds, BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what + " within " + seconds + " s");
      Thread.onSpinWait();
    }
  }

  private String ask(String address) throws Exception {
    return vertx.eventBus().<String>request(address, "ping").map(m -> m.body()).await(5, TimeUnit.SECONDS);
  }

  @Test
  void a_part_that_does_not_start_is_deployed_again_until_it_does() throws Exception {
    Supervisor s = new Supervisor(vertx);
    AtomicInteger starts = new AtomicInteger();
    s.deploy("slow", () -> new Part("slow", starts, 2), true).await(10, TimeUnit.SECONDS);
    assertEquals(3, starts.get());
    assertEquals("alive 3", ask("slow"));
  }

  @Test
  void a_part_that_keeps_throwing_is_restarted_and_the_others_are_left_alone() throws Exception {
    Supervisor s = new Supervisor(vertx);
    AtomicInteger flaky = new AtomicInteger();
    AtomicInteger steady = new AtomicInteger();
    s.deploy("flaky", () -> new Part("flaky", flaky, 0), true).await(10, TimeUnit.SECONDS);
    s.deploy("steady", () -> new Part("steady", steady, 0), true).await(10, TimeUnit.SECONDS);

    // One exception is reported, not a reason to restart: the part still answers, as the same instance.
    vertx.eventBus().send("flaky", "boom");
    assertEquals("alive 1", ask("flaky"));
    assertEquals(0, s.restarts("flaky"));

    vertx.eventBus().send("flaky", "boom");
    vertx.eventBus().send("flaky", "boom");
    within(10, () -> flaky.get() == 2, "a fresh instance of the flaky part");
    within(10, () -> {
      try {
        return ask("flaky").equals("alive 2");
      } catch (Exception e) {
        return false;
      }
    }, "the restarted part answering");
    assertEquals(1, s.restarts("flaky"));
    assertEquals(1, steady.get());
    assertEquals(0, s.restarts("steady"));
    assertEquals("alive 1", ask("steady"));
  }

  @Test
  void a_part_that_must_not_be_restarted_is_only_reported() throws Exception {
    Supervisor s = new Supervisor(vertx);
    AtomicInteger engine = new AtomicInteger();
    s.deploy("engine", () -> new Part("engine", engine, 0), false).await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 5; i++) {
      vertx.eventBus().send("engine", "boom");
    }
    // Request-reply is ordered after the sends on the same address: by the answer, all five have thrown.
    assertEquals("alive 1", ask("engine"));
    assertEquals(0, s.restarts("engine"));
  }

  @Test
  void stopped_the_parts_are_gone_and_a_failing_start_is_not_tried_again() throws Exception {
    Supervisor s = new Supervisor(vertx);
    AtomicInteger starts = new AtomicInteger();
    s.deploy("one", () -> new Part("one", starts, 0), true).await(10, TimeUnit.SECONDS);
    s.stop().await(10, TimeUnit.SECONDS);
    assertTrue(vertx.deploymentIDs().isEmpty(), vertx.deploymentIDs().toString());
  }

  @Test
  void a_stop_waits_for_a_part_still_starting_and_undeploys_it_once_it_has_started() throws Exception {
    Supervisor s = new Supervisor(vertx);
    io.vertx.core.Promise<Void> letItStart = io.vertx.core.Promise.promise();
    AtomicInteger started = new AtomicInteger();
    AtomicInteger stopped = new AtomicInteger();
    s.deploy("scheduler", () -> new VerticleBase() {
      @Override
      public Future<?> start() {
        // Reading the state topic, say: it starts when the test lets it.
        return letItStart.future().onSuccess(v -> started.incrementAndGet());
      }

      @Override
      public Future<?> stop() {
        stopped.incrementAndGet();
        return Future.succeededFuture();
      }
    }, true);

    Future<Void> stop = s.stop();
    assertTrue(!stop.isComplete(), "the stop is over while the scheduler is still starting");
    letItStart.complete();

    stop.await(10, TimeUnit.SECONDS);
    assertEquals(1, started.get());
    assertEquals(1, stopped.get(), "the part that came up after the stop began is undeployed before the stop ends");
  }
}
