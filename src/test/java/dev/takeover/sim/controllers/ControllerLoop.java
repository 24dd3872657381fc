package dev.takeover.sim.controllers;

import dev.takeover.sim.SimTiming;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs the controllers, one pass at a time, on one thread. A pass runs every controller in order. Passes are asked
 * for by {@link #kick()} (the API server calls it after every change) and coalesced: many changes during a pass
 * cause one more pass. {@link #pending()} counts queued passes plus one-shot timers, so 0 means settled.
 */
public final class ControllerLoop implements ControllerContext, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerLoop.class);
  private static final Duration RETRY = Duration.ofMillis(50);

  private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
    Thread t = new Thread(r, "sim-controllers");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean queued = new AtomicBoolean();
  private final AtomicInteger pending = new AtomicInteger();
  private final Set<String> stoppedNodes = ConcurrentHashMap.newKeySet();
  private final java.util.Map<Controller, Integer> failuresInARow = new java.util.HashMap<>();
  private final List<Controller> controllers;
  private final SimTiming timing;
  private final EventRecorder events;
  private volatile KubernetesClient client;
  private volatile boolean closed;

  public ControllerLoop(List<Controller> controllers, SimTiming timing) {
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // close() drops pending timers
    this.controllers = List.copyOf(controllers);
    this.timing = timing;
    this.events = new EventRecorder(this::client);
  }

  /** Starts passes, with the client the controllers read and write through. */
  public void start(KubernetesClient client) {
    this.client = client;
    kick();
  }

  /** Asks for a pass; coalesced with one already queued. */
  public void kick() {
    if (closed || client == null || !queued.compareAndSet(false, true)) {
      return;
    }
    pending.incrementAndGet();
    try {
      executor.execute(this::pass);
    } catch (RejectedExecutionException e) {
      pending.decrementAndGet();
    }
  }

  private void pass() {
    try {
      queued.set(false);
      for (Controller controller : controllers) {
        if (closed) {
          return;
        }
        try {
          controller.reconcile(this);
          failuresInARow.remove(controller);
        } catch (RuntimeException e) {
          // typically a 409 from an optimistic write that lost a race: the next pass reads again
          int failures = failuresInARow.merge(controller, 1, Integer::sum);
          if (failures % 20 == 0) {
            LOG.warn("{} failed {} times in a row, still retrying", controller.getClass().getSimpleName(), failures, e);
          } else {
            LOG.debug("{} failed, retrying: {}", controller.getClass().getSimpleName(), e.toString());
          }
          wakeAfter(RETRY);
        }
      }
    } finally {
      pending.decrementAndGet();
    }
  }

  /** Runs {@code work} on the controller thread, between passes: no controller runs meanwhile. */
  public <T> T exclusively(Supplier<T> work, Duration bound) {
    try {
      return executor.submit(work::get).get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("simulated cluster: setup did not finish within " + bound, e);
    }
  }

  /** Periodic work that does not count as pending (node leases are renewed forever). */
  public void every(Duration period, Runnable work) {
    executor.scheduleWithFixedDelay(() -> {
      try {
        if (!closed) {
          work.run();
        }
      } catch (RuntimeException e) {
        LOG.debug("periodic work failed: {}", e.toString());
      }
    }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Queued passes plus one-shot timers not yet fired; 0 when the controllers have nothing left to do. */
  public int pending() {
    return pending.get();
  }

  @Override
  public void wakeAfter(Duration delay) {
    if (closed) {
      return;
    }
    pending.incrementAndGet();
    try {
      executor.schedule(() -> {
        kick(); // counted before the timer stops counting, so pending() never reads 0 in between
        pending.decrementAndGet();
      }, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      pending.decrementAndGet();
    }
  }

  /** How far ahead a timer still counts as pending work ({@link ControllerContext#wakeAt}). */
  public static final Duration SOON = Duration.ofSeconds(10);
  private final java.util.Map<String, Instant> wakes = new ConcurrentHashMap<>();

  @Override
  public void wakeAt(String key, Instant due) {
    if (closed || due.equals(wakes.get(key))) {
      return;
    }
    wakes.put(key, due);
    Duration delay = Duration.between(now(), due).plusMillis(10);
    if (delay.compareTo(SOON) <= 0) {
      wakeAfter(delay);
      return;
    }
    try {
      executor.schedule(this::kick, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  public void stopNode(String name) {
    stoppedNodes.add(name);
    kick();
  }

  public void startNode(String name) {
    stoppedNodes.remove(name);
    kick();
  }

  @Override
  public boolean isStopped(String nodeName) {
    return stoppedNodes.contains(nodeName);
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public SimTiming timing() {
    return timing;
  }

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public EventRecorder events() {
    return events;
  }

  /**
   * Lets a running pass end after its current controller (not interrupted: an HTTP call cut short would complete on
   * a client that is being closed), drops what is queued, and returns.
   */
  @Override
  public void close() {
    closed = true;
    executor.shutdown();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
  }
}
