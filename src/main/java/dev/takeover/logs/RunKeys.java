package dev.takeover.logs;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import org.slf4j.MDC;

/**
 * The three names of a run that every log line about it carries, as MDC keys: {@value #TICKET}, {@value #RUN} and
 * {@value #NODE} (JSON fields of their own, and {@code [ticket=… run=… node=…]} in the plain format).
 *
 * <p>Why explicit scopes rather than an MDC set once per run: a run hops threads at every step (the engine's event
 * loop, the worker pool of blocking Kubernetes calls, fabric8's and Kafka's callback threads, the event bus to the
 * subscribers), and a thread-local MDC set on one of them would be missing on the next, or worse, left behind for the
 * next run that thread serves. So the keys travel with the data (a {@code RunId}, an event's JSON) and are put in
 * the MDC only around the code that logs, on the thread that logs, and taken out again after.
 *
 * @param ticket the ticket's id; null when unknown (the key is then left out)
 * @param run    the run's id; null before the run starts
 * @param node   the node's name; null or empty when the ticket named none
 */
public record RunKeys(String ticket, String run, String node) {
  public static final String TICKET = "ticket";
  public static final String RUN = "run";
  public static final String NODE = "node";
  /** No run: within a scope of it, a line shows none of the keys. */
  public static final RunKeys NONE = new RunKeys(null, null, null);

  /** The keys an event carries at its top level: the engine's events and the ticket events have all three. */
  public static RunKeys of(JsonObject event) {
    if (event == null) {
      return NONE;
    }
    return new RunKeys(text(event.getValue(TICKET)), text(event.getValue(RUN)), text(event.getValue(NODE)));
  }

  /**
   * The keys in this thread's MDC now: for code that is called within a run's scope and logs later, from a callback
   * on another thread (a fencing hook, which knows nothing of runs).
   */
  public static RunKeys current() {
    return new RunKeys(MDC.get(TICKET), MDC.get(RUN), MDC.get(NODE));
  }

  /** Calls {@code body} with the keys in this thread's MDC; returns what it returns. */
  public <T> T within(java.util.function.Supplier<T> body) {
    try (Scope ignored = open()) {
      return body.get();
    }
  }

  private static String text(Object value) {
    return value instanceof String s && !s.isEmpty() ? s : null;
  }

  /** Puts the keys in this thread's MDC until the scope is closed, which puts back what was there before. */
  public Scope open() {
    return new Scope(this);
  }

  /** Runs {@code body} with the keys in this thread's MDC. */
  public void during(Runnable body) {
    try (Scope ignored = open()) {
      body.run();
    }
  }

  /** The handler, run with the keys in the MDC of whichever thread calls it (a callback of a later step). */
  public <T> Handler<T> around(Handler<T> handler) {
    return value -> {
      try (Scope ignored = open()) {
        handler.handle(value);
      }
    };
  }

  /** The keys put in the MDC; closing restores each one's previous value (scopes nest). */
  public static final class Scope implements AutoCloseable {
    private final String ticket;
    private final String run;
    private final String node;

    private Scope(RunKeys keys) {
      ticket = swap(TICKET, keys.ticket);
      run = swap(RUN, keys.run);
      node = swap(NODE, keys.node);
    }

    /** Sets one key (null: takes it out, so that a line never shows another run's value); returns the previous one. */
    private static String swap(String key, String value) {
      String before = MDC.get(key);
      restore(key, value);
      return before;
    }

    private static void restore(String key, String value) {
      if (value == null) {
        MDC.remove(key);
      } else {
        MDC.put(key, value);
      }
    }

    @Override
    public void close() {
      restore(TICKET, ticket);
      restore(RUN, run);
      restore(NODE, node);
    }
  }
}
