package dev.takeover.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Takeover's own series, fed with the ticket events, the engine's events and the notifications as the JSON they
 * travel in on the event bus. One per registry, kept by {@link Metrics}: a restarted {@link MetricsSubscriber}
 * feeds the same gauges and counters, so a restart loses nothing it had counted.
 *
 * <p>Label values come from small fixed sets (a value outside becomes {@code other}): Prometheus keeps one series
 * per label combination, and a pod name or a free text in a label would grow it without bound. Node names appear
 * only in {@code takeover_node_cordoned}, bounded by the nodes Takeover holds cordoned.
 *
 * <p>Thread-safe: events arrive on the subscriber's context, scrapes read the gauges from the HTTP server's.
 */
public final class TakeoverMeters {
  /** Runs and steps last seconds to an hour: the buckets an SLO would name (Prometheus' own advice: few, chosen). */
  static final Duration[] RUN_BUCKETS = seconds(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600);
  /** Ready to confirmation is Takeover's own delay: normally a second or two (Ready times are whole seconds). */
  static final Duration[] CONFIRM_DELAY_BUCKETS = seconds(1, 2, 5, 10, 30, 60, 120, 300, 600);
  /** Tickets whose source is remembered until they end; the oldest is forgotten past it. */
  static final int SOURCES_KEPT = 10_000;

  private static final Set<String> SOURCES = Set.of("kafka", "http", "slack", "alertmanager", "cli", "dead-nodes", "unknown");
  private static final Set<String> RESULTS = Set.of("accepted", "rejected", "duplicate", "expired", "cancelled",
      "completed", "failed");
  private static final Set<String> ENDS = Set.of("expired", "cancelled", "completed", "failed");
  private static final Set<String> STEPS = Set.of("plan", "cordon", "drain", "confirm", "uncordon", "fence", "taint");
  private static final Set<String> OUTCOMES = Set.of("succeeded", "planned", "refused", "failed", "cancelled");
  /** Rejection codes and channels are ours, short and kebab-case; anything else is not a label value. */
  private static final Pattern WORD = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");

  private final MeterRegistry registry;
  /** The accepted event names the source; later events of the ticket do not. Access-ordered, bounded. */
  private final Map<String, String> sourceOf = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > SOURCES_KEPT;
    }
  });
  private final Set<String> runs = ConcurrentHashMap.newKeySet();
  private final Set<String> failingWatches = ConcurrentHashMap.newKeySet();
  private final Map<String, Gauge> cordoned = new ConcurrentHashMap<>();
  private final NodeMeters nodes;
  private final StepClock steps;

  public TakeoverMeters(MeterRegistry registry) {
    this(registry, java.time.Clock.systemUTC());
  }

  /** {@code clock} tells how long a step in progress has lasted, at each scrape. */
  public TakeoverMeters(MeterRegistry registry, java.time.Clock clock) {
    this.registry = registry;
    Gauge.builder("takeover_runs_in_progress", runs, Set::size)
        .description("Runs started by the engine and not finished yet").register(registry);
    Gauge.builder("takeover_watches_failing", failingWatches, Set::size)
        .description("Watches of runs in progress reported failing and not recovered (the runs go on by listing)")
        .register(registry);
    // Zero from the start: rate() and increase() need a series that exists before its first increment.
    for (String result : new String[] {"ok", "pdb_blocked", "error"}) {
      evictions(result);
    }
    confirmed();
    nodes = new NodeMeters(registry);
    steps = new StepClock(registry, clock, STEPS);
  }

  /** A ticket event ({@code {type, ticket, node, time, data}}). */
  public void onTicketEvent(JsonObject e) {
    String type = e.getString("type", "");
    String ticket = e.getString("ticket", "");
    JsonObject data = e.getJsonObject("data", new JsonObject());
    if ("started".equals(type) && data.getString("source") != null) {
      // A run resumed after a restart has no accepted event in this process: its started event names the source.
      sourceOf.putIfAbsent(ticket, data.getString("source"));
    }
    if (!RESULTS.contains(type)) {
      return; // scheduled, joined, started, step, pod: not results
    }
    if ("completed".equals(type) && data.getBoolean("released", false)) {
      return; // a held ticket's second completed: the ticket was counted when its work was done
    }
    String source = switch (type) {
      case "accepted" -> {
        String s = data.getString("source", "unknown");
        sourceOf.put(ticket, s);
        yield s;
      }
      // These name the source of the record they answer (a repeat may come from another input than the first).
      case "rejected", "duplicate" -> data.getString("source", sourceOf.getOrDefault(ticket, "unknown"));
      default -> {
        String s = ENDS.contains(type) ? sourceOf.remove(ticket) : sourceOf.get(ticket);
        yield s != null ? s : data.getString("source", "unknown");
      }
    };
    Counter.builder("takeover_tickets").description("Tickets by source and result")
        .tag("source", bounded(source, SOURCES)).tag("result", type).register(registry).increment();
    if ("rejected".equals(type)) {
      Counter.builder("takeover_dead_letters").description("Ticket records sent to the dead-letter topic, by code")
          .tag("code", word(data.getString("code"))).register(registry).increment();
    }
  }

  /**
   * The acting parts stopped on this replica (it stepped down, or stops): its runs halted without an end event, and
   * the next leader resumes them. Without this a deposed replica would report them in progress for ever, and the
   * "stuck in a step" alert would fire on a step that goes on elsewhere; the same holds for its dead-node series.
   */
  public void actingStopped() {
    runs.clear();
    failingWatches.clear();
    steps.clear();
    nodes.actingStopped();
  }

  /** An engine event ({@code {schema, type, time, run, ticket, node, source, requester, ...}}). */
  public void onEngineEvent(JsonObject e) {
    String run = e.getString("run", "");
    steps.onEngineEvent(e, bounded(e.getString("step"), STEPS));
    switch (e.getString("type", "")) {
      case "takeover.run.started" -> runs.add(run);
      case "takeover.run.finished" -> {
        runs.remove(run);
        failingWatches.removeIf(w -> w.startsWith(run + " "));
        Timer.builder("takeover_run_duration").description("Duration of runs, by outcome")
            .tag("outcome", bounded(e.getString("status"), OUTCOMES)).serviceLevelObjectives(RUN_BUCKETS)
            .register(registry).record(millis(e, "tookMs"));
        if ("succeeded".equals(e.getString("status")) && "out-of-service".equals(e.getString("nodeLeft"))) {
          // A recovery moved the node's StatefulSet pods: none is stuck there any more, though it is still down.
          nodes.podsMoved(e.getString("node", ""));
        }
      }
      case "takeover.run.interrupted" -> {
        // Not in progress here any more; not an end either (it resumes, here or on the next leader).
        runs.remove(run);
        failingWatches.removeIf(w -> w.startsWith(run + " "));
      }
      case "takeover.step.finished" -> Timer.builder("takeover_step_duration")
          .description("Duration of the steps that ended well, by step")
          .tag("step", bounded(e.getString("step"), STEPS)).serviceLevelObjectives(RUN_BUCKETS)
          .register(registry).record(millis(e, "tookMs"));
      case "takeover.pod.evicted" -> evictions("ok").increment();
      // A refusal naming a budget is the PDB's 429; any other answer retried (5xx, timeouts) is an error.
      case "takeover.pod.eviction-blocked" -> evictions(e.getString("budget") != null ? "pdb_blocked" : "error")
          .increment();
      case "takeover.pod.confirmed" -> podConfirmed(e);
      case "takeover.watch.failing" -> {
        failingWatches.add(run + " " + e.getString("watch", ""));
        Counter.builder("takeover_watch_failures").description("Watches reported failing, by resource")
            .tag("resource", resource(e.getString("watch", ""))).register(registry).increment();
      }
      case "takeover.watch.recovered" -> failingWatches.remove(run + " " + e.getString("watch", ""));
      default -> { }
    }
  }

  private void podConfirmed(JsonObject e) {
    confirmed().increment();
    Timer.builder("takeover_pod_eviction_to_ready")
        .description("From a StatefulSet pod's eviction until Takeover saw it Ready on another node")
        .serviceLevelObjectives(RUN_BUCKETS).register(registry).record(millis(e, "timeToReadyMs"));
    Instant readyAt = instant(e.getString("readyAt"));
    Instant confirmedAt = instant(e.getString("time"));
    if (readyAt != null && confirmedAt != null) {
      Duration delay = Duration.between(readyAt, confirmedAt);
      // Ready times are whole seconds: a confirmation within the same second can look earlier than Ready.
      Timer.builder("takeover_pod_ready_to_confirmed")
          .description("From a moved pod's Ready condition until Takeover confirmed it (claims checked)")
          .serviceLevelObjectives(CONFIRM_DELAY_BUCKETS).register(registry)
          .record(delay.isNegative() ? Duration.ZERO : delay);
    }
  }

  /** A message on {@value MetricsSubscriber#NOTIFICATIONS}: {@code {"channel": ..., "result": "sent"|"failed"}}. */
  public void onNotification(Object body) {
    if (!(body instanceof JsonObject n)) {
      return;
    }
    String result = n.getString("result");
    Counter.builder("takeover_notifications").description("Notifications sent or failed, by channel")
        .tag("channel", word(n.getString("channel")))
        .tag("result", "sent".equals(result) || "failed".equals(result) ? result : "other")
        .register(registry).increment();
  }

  /**
   * A dead-node event ({@code {type: "node.down"|"node.recovered"|"nodes.partitioned"|…, node, data}}):
   * {@code takeover_stuck_statefulset_pods{node}}, {@code takeover_nodes_down}, {@code takeover_recovery_held}.
   */
  public void onNodeEvent(JsonObject e) {
    nodes.onNodeEvent(e);
  }

  /** The dead-node watch's answer on {@code takeover.node.guard}: {@code {"synced", "down": [...], "held"}}. */
  public void onNodeGuard(JsonObject answer) {
    nodes.onGuard(answer);
  }

  /** The nodes Takeover holds cordoned now, as the cluster view says: a released node's series goes away. */
  public void cordonedNow(Set<String> nodes) {
    for (String n : nodes) {
      cordoned.computeIfAbsent(n, k -> Gauge.builder("takeover_node_cordoned", () -> 1)
          .description("1 for each node Takeover holds cordoned now; absent once it is released")
          .tag("node", k).strongReference(true).register(registry));
    }
    cordoned.keySet().removeIf(n -> {
      if (nodes.contains(n)) {
        return false;
      }
      registry.remove(cordoned.get(n));
      return true;
    });
  }

  Set<String> cordoned() {
    return Set.copyOf(cordoned.keySet());
  }

  private Counter evictions(String result) {
    return Counter.builder("takeover_evictions")
        .description("Eviction requests by answer: ok (accepted), pdb_blocked (a PodDisruptionBudget's 429), error")
        .tag("result", result).register(registry);
  }

  private Counter confirmed() {
    return Counter.builder("takeover_statefulset_pods_confirmed")
        .description("StatefulSet pods confirmed Ready on another node with the same volumes").register(registry);
  }

  /** "pods on kube-node02" is a pod watch, "persistentvolumeclaim ns/x" a claim's: the kind, never the names. */
  static String resource(String watch) {
    return switch (watch.split(" ", 2)[0].toLowerCase(Locale.ROOT)) {
      case "node", "nodes" -> "node";
      case "pod", "pods" -> "pod";
      case "persistentvolumeclaim" -> "persistentvolumeclaim";
      case "replicaset" -> "replicaset";
      case "statefulset" -> "statefulset";
      default -> "other";
    };
  }

  private static String bounded(String value, Set<String> known) {
    return value != null && known.contains(value) ? value : "other";
  }

  private static String word(String value) {
    return value != null && WORD.matcher(value).matches() ? value : "other";
  }

  private static Duration millis(JsonObject e, String field) {
    Long ms = e.getLong(field);
    return ms == null || ms < 0 ? Duration.ZERO : Duration.ofMillis(ms);
  }

  private static Instant instant(String s) {
    try {
      return s == null ? null : Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Duration[] seconds(int... s) {
    Duration[] d = new Duration[s.length];
    for (int i = 0; i < s.length; i++) {
      d[i] = Duration.ofSeconds(s[i]);
    }
    return d;
  }
}
