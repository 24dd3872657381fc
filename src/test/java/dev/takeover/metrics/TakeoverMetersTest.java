package dev.takeover.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The meters fed with events as they travel on the event bus (the JSON of the scheduler's ticket events and of the
 * engine's events), read back from the registry's Prometheus text.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TakeoverMetersTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final TakeoverMeters meters = new TakeoverMeters(registry);

  Scrape scrape() {
    return Scrape.parse(registry.scrape());
  }

  static JsonObject ticket(String type, String id, JsonObject data) {
    return new JsonObject().put("type", type).put("ticket", id).put("node", "kube-node02")
        .put("time", "2026-12-01T12:00:00Z").put("data", data.put("ticket", id));
  }

  static JsonObject engine(String type, String run, JsonObject fields) {
    return new JsonObject().put("schema", 1).put("type", type).put("time", "2026-12-01T12:00:10Z").put("run", run)
        .put("ticket", "CHG-1").put("node", "kube-node02").put("source", "kafka").put("requester", "alice")
        .mergeIn(fields);
  }

  @Test
  void a_ticket_is_counted_under_the_source_its_accepted_event_named_though_its_end_does_not_name_it() {
    meters.onTicketEvent(ticket("accepted", "CHG-1", new JsonObject().put("source", "slack")));
    meters.onTicketEvent(ticket("scheduled", "CHG-1", new JsonObject().put("reason", "window")));
    meters.onTicketEvent(ticket("completed", "CHG-1", new JsonObject().put("status", "succeeded")));

    Scrape s = scrape();
    assertEquals(1.0, s.value("takeover_tickets_total", "source", "slack", "result", "accepted"), s.lines("takeover_tickets"));
    assertEquals(1.0, s.value("takeover_tickets_total", "source", "slack", "result", "completed"), s.lines("takeover_tickets"));
    assertFalse(s.has("takeover_tickets_total", "result", "scheduled"), "scheduled is no result");
  }

  @Test
  void a_drain_ticket_that_held_the_node_counts_as_completed_once_though_its_release_completes_it_again() {
    meters.onTicketEvent(ticket("accepted", "D-1", new JsonObject().put("source", "http")));
    meters.onTicketEvent(ticket("completed", "D-1", new JsonObject().put("held", true)));
    meters.onTicketEvent(ticket("completed", "D-1", new JsonObject().put("released", true).put("releasedBy", "R-1")));

    assertEquals(1.0, scrape().value("takeover_tickets_total", "source", "http", "result", "completed"));
  }

  @Test
  void a_rejected_record_counts_by_its_source_and_as_a_dead_letter_by_code_and_an_odd_code_is_no_label() {
    meters.onTicketEvent(ticket("rejected", "t-0@1", new JsonObject().put("code", "not-json").put("source", "kafka")));
    meters.onTicketEvent(ticket("rejected", "t-0@2", new JsonObject().put("code", "not-json").put("source", "alertmanager")));
    meters.onTicketEvent(ticket("rejected", "t-0@3", new JsonObject().put("code", "Not a code {\"x\"}")));

    Scrape s = scrape();
    assertEquals(2.0, s.value("takeover_dead_letters_total", "code", "not-json"), s.lines("takeover_dead"));
    assertEquals(1.0, s.value("takeover_dead_letters_total", "code", "other"), s.lines("takeover_dead"));
    assertEquals(1.0, s.value("takeover_tickets_total", "source", "alertmanager", "result", "rejected"));
    assertEquals(1.0, s.value("takeover_tickets_total", "source", "unknown", "result", "rejected"));
  }

  @Test
  void a_duplicate_counts_under_the_source_of_the_repeat_and_an_unknown_source_is_other() {
    meters.onTicketEvent(ticket("accepted", "CHG-2", new JsonObject().put("source", "kafka")));
    meters.onTicketEvent(ticket("duplicate", "CHG-2", new JsonObject().put("source", "http")));
    meters.onTicketEvent(ticket("accepted", "CHG-3", new JsonObject().put("source", "carrier-pigeon")));

    Scrape s = scrape();
    assertEquals(1.0, s.value("takeover_tickets_total", "source", "http", "result", "duplicate"));
    assertEquals(1.0, s.value("takeover_tickets_total", "source", "other", "result", "accepted"));
  }

  @Test
  void a_run_resumed_after_a_restart_takes_its_source_from_its_started_event() {
    meters.onTicketEvent(ticket("started", "CHG-4", new JsonObject().put("type", "takeover.run.started")
        .put("source", "slack").put("resumed", true)));
    meters.onTicketEvent(ticket("failed", "CHG-4", new JsonObject().put("status", "failed")));

    assertEquals(1.0, scrape().value("takeover_tickets_total", "source", "slack", "result", "failed"));
  }

  @Test
  void the_sources_remembered_are_bounded_and_a_forgotten_one_falls_back_to_what_the_event_says() {
    for (int i = 0; i <= TakeoverMeters.SOURCES_KEPT; i++) {
      meters.onTicketEvent(ticket("accepted", "T-" + i, new JsonObject().put("source", "slack")));
    }
    meters.onTicketEvent(ticket("completed", "T-0", new JsonObject().put("source", "kafka")));
    meters.onTicketEvent(ticket("completed", "T-1", new JsonObject()));

    Scrape s = scrape();
    assertEquals(1.0, s.value("takeover_tickets_total", "source", "kafka", "result", "completed"), "T-0 was forgotten");
    assertEquals(1.0, s.value("takeover_tickets_total", "source", "slack", "result", "completed"));
  }

  @Test
  void runs_in_progress_rise_and_fall_and_runs_and_steps_land_in_their_buckets() {
    meters.onEngineEvent(engine("takeover.run.started", "run-1", new JsonObject().put("kind", "takeover")));
    meters.onEngineEvent(engine("takeover.run.started", "run-2", new JsonObject().put("kind", "takeover")));
    assertEquals(2.0, scrape().value("takeover_runs_in_progress"));

    meters.onEngineEvent(engine("takeover.step.finished", "run-1", new JsonObject().put("step", "drain").put("tookMs", 42_000)));
    meters.onEngineEvent(engine("takeover.run.finished", "run-1", new JsonObject().put("status", "succeeded").put("tookMs", 90_000)));
    meters.onEngineEvent(engine("takeover.run.finished", "run-2", new JsonObject().put("status", "failed").put("tookMs", 4_000)));

    Scrape s = scrape();
    assertEquals(0.0, s.value("takeover_runs_in_progress"));
    assertEquals(0.0, s.value("takeover_step_duration_seconds_bucket", "step", "drain", "le", "30.0"), s.lines("takeover_step"));
    assertEquals(1.0, s.value("takeover_step_duration_seconds_bucket", "step", "drain", "le", "60.0"), s.lines("takeover_step"));
    assertEquals(42.0, s.value("takeover_step_duration_seconds_sum", "step", "drain"), 1e-9);
    assertEquals(1.0, s.value("takeover_run_duration_seconds_bucket", "outcome", "succeeded", "le", "120.0"));
    assertEquals(0.0, s.value("takeover_run_duration_seconds_bucket", "outcome", "succeeded", "le", "60.0"));
    assertEquals(1.0, s.value("takeover_run_duration_seconds_bucket", "outcome", "failed", "le", "5.0"));
    assertEquals(1.0, s.value("takeover_run_duration_seconds_bucket", "outcome", "succeeded", "le", "3600.0"));
    assertEquals(1.0, s.value("takeover_run_duration_seconds_bucket", "outcome", "succeeded", "le", "+Inf"));
  }

  @Test
  void evictions_count_by_answer_from_zero_a_budget_naming_refusal_being_the_pdb_and_any_other_an_error() {
    Scrape before = scrape();
    assertEquals(0.0, before.value("takeover_evictions_total", "result", "ok"), "the series exist before the first");
    assertEquals(0.0, before.value("takeover_evictions_total", "result", "pdb_blocked"));
    assertEquals(0.0, before.value("takeover_evictions_total", "result", "error"));

    meters.onEngineEvent(engine("takeover.pod.eviction-blocked", "run-1", new JsonObject().put("pod", "default/mysql-0")
        .put("budget", "default/mysql-pdb").put("message", "Cannot evict pod").put("attempt", 1)));
    meters.onEngineEvent(engine("takeover.pod.eviction-blocked", "run-1", new JsonObject().put("pod", "default/mysql-0")
        .putNull("budget").put("message", "HTTP 500 etcd timeout").put("attempt", 2)));
    meters.onEngineEvent(engine("takeover.pod.evicted", "run-1", new JsonObject().put("pod", "default/mysql-0").put("how", "evicted")));

    Scrape s = scrape();
    assertEquals(1.0, s.value("takeover_evictions_total", "result", "ok"));
    assertEquals(1.0, s.value("takeover_evictions_total", "result", "pdb_blocked"));
    assertEquals(1.0, s.value("takeover_evictions_total", "result", "error"));
    assertFalse(s.text().contains("mysql"), "no pod names in labels");
  }

  @Test
  void a_confirmed_pod_times_its_eviction_to_ready_and_its_ready_to_confirmation() {
    meters.onEngineEvent(engine("takeover.pod.confirmed", "run-1", new JsonObject().put("pod", "default/mysql-0")
        .put("timeToReadyMs", 12_000).put("readyAt", "2026-12-01T12:00:07Z")));
    // Ready times are whole seconds: a confirmation in the same second can look earlier than Ready.
    meters.onEngineEvent(engine("takeover.pod.confirmed", "run-1", new JsonObject().put("pod", "default/mysql-1")
        .put("timeToReadyMs", 3_000).put("readyAt", "2026-12-01T12:00:10.600Z")));
    // An engine that does not say when the pod became Ready: no sample rather than a made-up one.
    meters.onEngineEvent(engine("takeover.pod.confirmed", "run-1", new JsonObject().put("pod", "default/mysql-2")
        .put("timeToReadyMs", 3_000).putNull("readyAt")));

    Scrape s = scrape();
    assertEquals(3.0, s.value("takeover_statefulset_pods_confirmed_total"));
    assertEquals(2.0, s.value("takeover_pod_eviction_to_ready_seconds_bucket", "le", "5.0"), s.lines("takeover_pod"));
    assertEquals(3.0, s.value("takeover_pod_eviction_to_ready_seconds_bucket", "le", "15.0"), s.lines("takeover_pod"));
    assertEquals(2.0, s.value("takeover_pod_ready_to_confirmed_seconds_count"), s.lines("takeover_pod"));
    assertEquals(1.0, s.value("takeover_pod_ready_to_confirmed_seconds_bucket", "le", "2.0"), s.lines("takeover_pod"));
    assertEquals(2.0, s.value("takeover_pod_ready_to_confirmed_seconds_bucket", "le", "5.0"), s.lines("takeover_pod"));
    assertEquals(3.0, s.value("takeover_pod_ready_to_confirmed_seconds_sum"), 1e-9);
  }

  @Test
  void failing_watches_are_counted_by_resource_and_stop_failing_when_they_recover_or_their_run_ends() {
    meters.onEngineEvent(engine("takeover.watch.failing", "run-1", new JsonObject().put("watch", "pods on kube-node02")
        .put("cause", "no events for 30 s")));
    meters.onEngineEvent(engine("takeover.watch.failing", "run-1", new JsonObject().put("watch", "pod default/mysql-0")
        .put("cause", "HTTP 410")));
    meters.onEngineEvent(engine("takeover.watch.failing", "run-2", new JsonObject().put("watch", "persistentvolumeclaim default/data")
        .put("cause", "HTTP 410")));
    Scrape failing = scrape();
    assertEquals(3.0, failing.value("takeover_watches_failing"));
    assertEquals(2.0, failing.value("takeover_watch_failures_total", "resource", "pod"), failing.lines("takeover_watch"));
    assertEquals(1.0, failing.value("takeover_watch_failures_total", "resource", "persistentvolumeclaim"));
    assertFalse(failing.text().contains("kube-node02"), "no node names in these labels");

    meters.onEngineEvent(engine("takeover.watch.recovered", "run-1", new JsonObject().put("watch", "pod default/mysql-0")));
    assertEquals(2.0, scrape().value("takeover_watches_failing"));
    meters.onEngineEvent(engine("takeover.run.finished", "run-1", new JsonObject().put("status", "succeeded").put("tookMs", 1)));
    assertEquals(1.0, scrape().value("takeover_watches_failing"), "run-2's watch still fails");
  }

  @Test
  void a_node_is_shown_cordoned_while_takeover_holds_it_and_its_series_goes_when_it_is_released() {
    meters.cordonedNow(Set.of("kube-node01", "kube-node02"));
    Scrape held = scrape();
    assertEquals(1.0, held.value("takeover_node_cordoned", "node", "kube-node01"));
    assertEquals(1.0, held.value("takeover_node_cordoned", "node", "kube-node02"));

    meters.cordonedNow(Set.of("kube-node02"));
    Scrape released = scrape();
    assertFalse(released.has("takeover_node_cordoned", "node", "kube-node01"), released.lines("takeover_node"));
    assertEquals(1.0, released.value("takeover_node_cordoned", "node", "kube-node02"));

    meters.cordonedNow(Set.of());
    assertFalse(scrape().has("takeover_node_cordoned"));
    meters.cordonedNow(Set.of("kube-node01"));
    assertEquals(1.0, scrape().value("takeover_node_cordoned", "node", "kube-node01"), "cordoned again");
  }

  @Test
  void notifications_count_by_channel_and_result_and_anything_odd_is_other_or_ignored() {
    meters.onNotification(new JsonObject().put("channel", "slack-response-url").put("result", "sent"));
    meters.onNotification(new JsonObject().put("channel", "slack-response-url").put("result", "sent"));
    meters.onNotification(new JsonObject().put("channel", "slack-webhook").put("result", "failed"));
    meters.onNotification(new JsonObject().put("channel", "https://hooks.slack.com/services/T000/B000/canary")
        .put("result", "maybe"));
    meters.onNotification("not json");

    Scrape s = scrape();
    assertEquals(2.0, s.value("takeover_notifications_total", "channel", "slack-response-url", "result", "sent"));
    assertEquals(1.0, s.value("takeover_notifications_total", "channel", "slack-webhook", "result", "failed"));
    assertEquals(1.0, s.value("takeover_notifications_total", "channel", "other", "result", "other"));
    assertTrue(!s.text().contains("canary"), "a URL never becomes a label");
  }
}
