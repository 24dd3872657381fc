package dev.takeover.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.takeover.config.EngineConfig;
import dev.takeover.kafka.TestBroker;
import dev.takeover.logs.LogCapture;
import dev.takeover.logs.RunKeys;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.mockwebserver.http.MockResponse;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every line the daemon logs about a run names it: the ticket, the run and the node, as MDC keys (JSON fields of
 * their own), whichever thread logs it. The seed's takeover runs through the daemon with everything that logs
 * made to log: Takeover's loggers at DEBUG (each engine event), the pods' watches cut after every event (the
 * list-watch's failures, told from fabric8's threads), Kubernetes Events refused by the API server (the recorder's
 * failures, on the worker pool) and a Slack webhook that answers 404 (the notifier's, on the HTTP client's). The
 * simulator's own lines ({@code dev.takeover.sim}) are not the daemon's.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonLogKeysTest {
  static final Duration BOUND = Duration.ofSeconds(90);

  @Test
  void every_line_of_a_run_carries_its_ticket_run_and_node_and_no_line_carries_another_runs() {
    AtomicBoolean refuseEvents = new AtomicBoolean(true);
    try (SimulatedCluster cluster = SimulatedCluster.builder().timing(SimTiming.fast())
             .requestHook((request, next) -> refuseEvents.get() && "POST".equals(request.getMethod())
                 && request.getPath().startsWith("/api/v1/namespaces/default/events")
                 // 403, as without RBAC for events: a 5xx would be retried by the client for longer than the run.
                 ? new MockResponse().setResponseCode(403).setHeader("Content-Type", "application/json")
                     .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":403}")
                 : null).start();
         SlackEndpoint slack = new SlackEndpoint()) {
      Seed.apply(cluster);
      for (int i = 0; i < 100; i++) {
        slack.answerNext("/hooks/channel", 404, -1);
      }
      DaemonConfig base = DaemonUnderTest.config(TestBroker.unique("keys"), 1);
      EngineConfig engine = base.engine().withRelistPeriod(Duration.ofSeconds(1));
      DaemonConfig config = new DaemonConfig(base.kafka(), engine, base.tickets(), base.instance(), base.http(),
          new TriggerConfig.Slack("", Set.of(), Set.of(), slack.url("/hooks/channel")), base.alertmanager(),
          base.gate(), base.deadNodes());
      try (LogCapture logs = LogCapture.ofTree("dev.takeover", Level.DEBUG);
           DaemonUnderTest d = new DaemonUnderTest(cluster, config)) {
        cluster.watchFaults().onlyFor("pods").cutAfterEvents(1);
        String node = SeedScene.mysqlNode(cluster);
        int from = logs.events().size();
        d.publish(node, SeedScene.ticket("CHG-1042", "takeover", node, "alice", ""));
        List<CloudEvent> events = d.awaitEvent("CHG-1042", type("completed").or(type("failed")), BOUND);
        String run = data(events.stream().filter(type("started")).findFirst().orElseThrow()).getString("run");
        logs.await(l -> l.startsWith("INFO CHG-1042 " + node + " completed"), BOUND);
        List<ILoggingEvent> first = logs.events().subList(from, logs.events().size());

        // The second: a plan of the other worker, after the first ended. None of its lines may show the first's keys.
        cluster.watchFaults().clear();
        refuseEvents.set(false);
        String other = SeedScene.otherWorker(cluster);
        int second = logs.events().size();
        d.publish(other, SeedScene.ticket("CHG-2000", "plan", other, "bob", ""));
        String run2 = data(d.awaitEvent("CHG-2000", type("started"), BOUND).stream().filter(type("started"))
            .findFirst().orElseThrow()).getString("run");
        d.awaitEvent("CHG-2000", type("completed").or(type("failed")), BOUND);
        logs.await(l -> l.startsWith("INFO CHG-2000 " + other + " completed"), BOUND);
        List<ILoggingEvent> then = logs.events().subList(second, logs.events().size());

        Map<String, String> keys = Map.of(RunKeys.TICKET, "CHG-1042", RunKeys.RUN, run, RunKeys.NODE, node);
        List<String> missing = new ArrayList<>();
        List<String> ofTheRun = new ArrayList<>();
        boolean started = false;
        for (ILoggingEvent e : first) {
          String line = e.getLoggerName() + " " + e.getLevel() + " " + e.getFormattedMessage() + " " + e.getMDCPropertyMap();
          started |= e.getFormattedMessage().contains(run);
          if (e.getLoggerName().startsWith("dev.takeover.sim.") || !concerns(e, "CHG-1042", run, node)) {
            continue;
          }
          ofTheRun.add(line);
          // Before the run has an id (the ticket accepted), a line names the ticket and the node.
          Map<String, String> expected = started ? keys : Map.of(RunKeys.TICKET, "CHG-1042", RunKeys.NODE, node);
          if (!e.getMDCPropertyMap().entrySet().containsAll(expected.entrySet())) {
            missing.add(line);
          }
        }
        System.out.println("lines of run " + run + ": " + ofTheRun.size());
        ofTheRun.forEach(l -> System.out.println("  " + l));
        assertEquals(List.of(), missing, "lines of the run without its keys");
        // Each kind of line this test makes the daemon log is among them: the engine's, the ticket log's, the
        // events' (DEBUG), the list-watch's, the Kubernetes Events recorder's, the Slack notifier's.
        for (String logger : List.of("dev.takeover.engine.Engine", "dev.takeover.tickets",
            "dev.takeover.engine.events.EventStream", "dev.takeover.kube.WatchFailures",
            "dev.takeover.subscribers.KubeEventRecorder", "dev.takeover.slack.SlackNotifier")) {
          assertTrue(ofTheRun.stream().anyMatch(l -> l.startsWith(logger + " ")), "no line of " + logger);
        }
        assertFalse(then.stream().anyMatch(e -> run.equals(e.getMDCPropertyMap().get(RunKeys.RUN))
            || "CHG-1042".equals(e.getMDCPropertyMap().get(RunKeys.TICKET))), "the first run's keys on a later line");
        assertTrue(then.stream().filter(e -> concerns(e, "CHG-2000", run2, other)).allMatch(e ->
                "CHG-2000".equals(e.getMDCPropertyMap().get(RunKeys.TICKET))
                    && other.equals(e.getMDCPropertyMap().get(RunKeys.NODE))),
            "the second run's lines name it");
      }
    }
  }

  /** A line about the run: its keys say so, or its text names the ticket, the run or the node. */
  private static boolean concerns(ILoggingEvent e, String ticket, String run, String node) {
    String m = e.getFormattedMessage();
    return !e.getMDCPropertyMap().isEmpty() || m.contains(ticket) || m.contains(run) || m.contains(node);
  }
}
