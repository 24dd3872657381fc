package dev.takeover.daemon;

import dev.takeover.kafka.TestBroker;
import dev.takeover.sim.Await;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.cloudevents.CloudEvent;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.takeover.daemon.DaemonUnderTest.data;
import static dev.takeover.daemon.DaemonUnderTest.type;
import static dev.takeover.daemon.DaemonUnderTest.types;
import static dev.takeover.daemon.SeedScene.engine;
import static dev.takeover.daemon.SeedScene.ticket;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas of the daemon on one cluster and one broker. Only the leader acts; when it dies in the middle of a
 * run, the other takes the Lease and finishes that run, and never are two replicas writing to the cluster at once:
 * checked on the requests the API server received, told apart by their User-Agent.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DaemonFailoverTest {
  static final Duration BOUND = Duration.ofSeconds(90);

  /** A write the API server received: when, from which replica, what. */
  record Write(long at, String agent, String method, String path) {}

  final List<Write> writes = new CopyOnWriteArrayList<>();
  /** The User-Agent whose Lease requests get 503, or null. */
  final java.util.concurrent.atomic.AtomicReference<String> cut = new java.util.concurrent.atomic.AtomicReference<>();
  SimulatedCluster cluster;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.builder().timing(SimTiming.fast()).requestHook((request, next) -> {
      String agent = request.getHeader("User-Agent");
      String method = request.getMethod();
      String path = request.getPath();
      if (cut.get() != null && cut.get().equals(agent) && path.contains("/leases")) {
        // The API server does not answer this replica's Lease requests any more (an overloaded apiserver's 503).
        return dev.takeover.sim.api.Statuses.unavailable();
      }
      // Writes to the cluster a run makes: Leases (the election's own) and Events (a story, not an act) aside.
      if (agent != null && agent.startsWith("takeover (") && !"GET".equals(method) && !path.contains("/leases")
          && !path.contains("/events")) {
        writes.add(new Write(System.nanoTime(), agent, method, path));
      }
      return null;
    }).start();
    Seed.apply(cluster);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  static DaemonConfig replica(String prefix, String name) {
    DaemonConfig c = DaemonUnderTest.config(prefix, 1).withInstance(name);
    // As production's 15/10/2 s, scaled: a leader gives up 2 s after its last renewal (plus a 0.5 s tick), the
    // others take over 4 s after it (plus theirs), so it has stopped acting 1 s or more before. The node's guard
    // Lease in production's ratio too (15 s: its run stops writing 10 s after its last renewal, as the leader
    // does): a leader cut off may lose its run's node Lease before it steps down. That run is interrupted, not
    // ended, so the heir resumes it all the same.
    return c.withLeader(c.leader().withTiming(Duration.ofSeconds(4), Duration.ofSeconds(2), Duration.ofMillis(500)))
        .withEngine(c.engine().withNodeLease(Duration.ofSeconds(3)));
  }

  @Test
  void the_leader_killed_in_the_middle_of_a_run_is_replaced_by_the_other_replica_which_finishes_that_run() {
    String prefix = TestBroker.unique("failover");
    String node = SeedScene.mysqlNode(cluster);
    String uid = SeedScene.mysql(cluster).getMetadata().getUid();
    String id = TestBroker.unique("ha");
    SeedScene.blockEviction(cluster);

    DaemonUnderTest a = new DaemonUnderTest(cluster, replica(prefix, "replica-a"));
    DaemonUnderTest b = null;
    try {
      b = new DaemonUnderTest(cluster, replica(prefix, "replica-b"));
      // The first up leads; the other follows, and says so in its metric.
      assertTrue(a.daemon.leading());
      assertFalse(b.daemon.leading());
      assertEquals(1.0, leaderGauge(a));
      assertEquals(0.0, leaderGauge(b));
      assertEquals("replica-a", leaseHolder());

      a.publish(node, ticket(id, "takeover", node, "alice", ""));
      List<CloudEvent> blocked = b.awaitEvent(id, engine("takeover.pod.eviction-blocked"), BOUND);
      String run = data(blocked.stream().filter(type("started")).findFirst().orElseThrow()).getString("run");
      assertTrue(writes.stream().allMatch(w -> w.agent().equals("takeover (replica-a)")), writes.toString());

      long killed = System.nanoTime();
      a.kill();
      DaemonUnderTest heir = b;
      Await.await("replica-b leads", BOUND, () -> heir.daemon.leading());
      Duration failover = Duration.ofNanos(System.nanoTime() - killed);
      System.out.printf("failover: replica-b leads %.1f s after replica-a was killed%n", failover.toMillis() / 1000.0);
      assertEquals(1.0, leaderGauge(b));

      b.awaitEvent(id, type("started").and(e -> data(e).getBoolean("resumed", false)), BOUND);
      SeedScene.unblock(cluster);
      List<CloudEvent> events = b.awaitEvent(id, type("completed").or(type("failed")).or(type("cancelled")), BOUND);

      List<String> types = types(events);
      assertEquals("completed", types.get(types.size() - 1), types + ": " + data(events.get(events.size() - 1)));
      List<CloudEvent> starts = events.stream().filter(type("started")).toList();
      assertEquals(List.of(run, run), starts.stream().map(e -> data(e).getString("run")).toList(),
          "the same run resumed by the other replica, not a second run");
      assertEquals(1, events.stream().filter(engine("takeover.pod.evicted")).count(), "mysql-0 evicted once");
      assertNotEquals(uid, SeedScene.mysql(cluster).getMetadata().getUid());
      assertNotEquals(node, SeedScene.mysqlNode(cluster));

      // Never two at once: every write of replica-a came before the first of replica-b.
      long lastOfA = writes.stream().filter(w -> w.agent().equals("takeover (replica-a)")).mapToLong(Write::at).max()
          .orElseThrow();
      long firstOfB = writes.stream().filter(w -> w.agent().equals("takeover (replica-b)")).mapToLong(Write::at).min()
          .orElseThrow();
      assertTrue(lastOfA < firstOfB, "interleaved writes: " + writes);
      assertTrue(firstOfB > killed, "replica-b wrote before replica-a was killed: " + writes);
    } finally {
      if (b != null) {
        b.close();
      }
      a.close();
    }
  }

  @Test
  void a_leader_that_can_no_longer_renew_stops_acting_before_the_other_replica_takes_over_its_run() {
    String prefix = TestBroker.unique("deposed");
    String node = SeedScene.mysqlNode(cluster);
    String id = TestBroker.unique("split");
    SeedScene.blockEviction(cluster);
    try (DaemonUnderTest a = new DaemonUnderTest(cluster, replica(prefix, "replica-a"));
         DaemonUnderTest b = new DaemonUnderTest(cluster, replica(prefix, "replica-b"))) {
      a.publish(node, ticket(id, "takeover", node, "alice", ""));
      b.awaitEvent(id, engine("takeover.pod.eviction-blocked"), BOUND);

      // Replica-a stays alive and keeps its run, but its Lease requests fail: it must step down by itself.
      long cutAt = System.nanoTime();
      cut.set("takeover (replica-a)");
      Await.await("replica-a steps down", Duration.ofSeconds(10), () -> !a.daemon.leading());
      Await.await("replica-b leads", BOUND, () -> b.daemon.leading());
      long bLeads = System.nanoTime();
      // Its run halted without an end event: replica-a no longer reports it in progress, nor its drain as going on
      // (a "stuck in a step" alert on the max over replicas would fire on it for ever).
      Await.await("replica-a's run gauges cleared", Duration.ofSeconds(30), () ->
          a.daemon.metrics().registry().get("takeover_runs_in_progress").gauge().value() == 0.0
              && a.daemon.metrics().registry().find("takeover_step_in_progress_seconds").gauges().stream()
                  .allMatch(g -> g.value() == 0.0));
      System.out.printf("deposed: replica-a stepped down, replica-b leads %.1f s after the cut%n", (bLeads - cutAt) / 1e9);

      b.awaitEvent(id, type("started").and(e -> data(e).getBoolean("resumed", false)), BOUND);
      SeedScene.unblock(cluster);
      List<CloudEvent> events = b.awaitEvent(id, type("completed").or(type("failed")).or(type("cancelled")), BOUND);
      List<String> types = types(events);
      assertEquals("completed", types.get(types.size() - 1), types + ": " + data(events.get(events.size() - 1)));

      long lastOfA = writes.stream().filter(w -> w.agent().equals("takeover (replica-a)")).mapToLong(Write::at).max()
          .orElseThrow();
      long firstOfB = writes.stream().filter(w -> w.agent().equals("takeover (replica-b)")).mapToLong(Write::at).min()
          .orElseThrow();
      assertTrue(lastOfA < bLeads, "replica-a wrote after replica-b led: " + writes);
      assertTrue(lastOfA < firstOfB, "interleaved writes: " + writes);
      assertFalse(a.daemon.leading(), "replica-a never leads again while cut off");
    } finally {
      cut.set(null);
    }
  }

  @Test
  void a_stopped_leader_releases_its_lease_and_the_other_replica_leads_within_seconds_not_a_lease_duration() {
    String prefix = TestBroker.unique("handover");
    // A Lease of 30 s: taking over within 5 s is the release's doing, not the Lease running out.
    java.util.function.UnaryOperator<DaemonConfig> slow = c -> c.withLeader(c.leader().withTiming(Duration.ofSeconds(30),
        Duration.ofSeconds(20), Duration.ofMillis(500)));
    DaemonUnderTest a = new DaemonUnderTest(cluster, slow.apply(replica(prefix, "replica-a")));
    try (DaemonUnderTest b = new DaemonUnderTest(cluster, slow.apply(replica(prefix, "replica-b")))) {
      assertTrue(a.daemon.leading());
      long stopping = System.nanoTime();
      a.stopDaemon(); // as SIGTERM does
      assertFalse(a.daemon.leading());
      // Stopping again (the test's close, a shutdown hook) is the same stop, done: it does not hang.
      assertTrue(a.daemon.stop().succeeded(), "a second stop is the first one");
      // fabric8's release leaves the holder (a merge patch cannot clear it) and shortens the Lease to 1 s: replica-b
      // takes it after seeing it unrenewed that long, within two retry periods (0.5 s here, with jitter) more.
      Await.await("replica-b leads", Duration.ofSeconds(5), () -> b.daemon.leading());
      System.out.printf("handover: replica-b leads %.2f s after replica-a began to stop%n",
          (System.nanoTime() - stopping) / 1e9);
      assertEquals("replica-b", leaseHolder());
    } finally {
      a.close();
    }
  }

  @Test
  void a_follower_is_ready_takes_tickets_previews_plans_and_answers_a_tickets_state_as_the_leader_does()
      throws Exception {
    String prefix = TestBroker.unique("follower");
    String token = "follower-test-token";
    SlackEndpoint slack = new SlackEndpoint();
    java.util.function.UnaryOperator<DaemonConfig> api = c -> c.withHttp(new TriggerConfig.Http("127.0.0.1", 0, 65536,
        token)).withSlack(new TriggerConfig.Slack(DaemonSlackTest.SECRET, java.util.Set.of("U123"),
        java.util.Set.of("C456"), slack.url(DaemonSlackTest.WEBHOOK_PATH)));
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    try (slack; DaemonUnderTest a = new DaemonUnderTest(cluster, api.apply(replica(prefix, "replica-a")));
         DaemonUnderTest b = new DaemonUnderTest(cluster, api.apply(replica(prefix, "replica-b")))) {
      assertFalse(b.daemon.leading());
      String follower = "http://127.0.0.1:" + b.daemon.httpPort();

      java.net.http.HttpResponse<String> ready = send(http, follower + "/readyz", null, null);
      assertEquals(200, ready.statusCode(), ready.body());
      assertTrue(ready.body().contains("not the leader"), ready.body());

      java.net.http.HttpResponse<String> plan = send(http, follower + "/api/v1/nodes/kube-node02/plan", token, null);
      assertEquals(200, plan.statusCode(), plan.body());

      String id = TestBroker.unique("via-follower");
      java.net.http.HttpResponse<String> taken = send(http, follower + "/api/v1/tickets", token,
          "{\"id\": \"" + id + "\", \"action\": \"takeover\", \"node\": \"kube-node02\", \"requestedBy\": \"alice\"}");
      assertEquals(202, taken.statusCode(), taken.body());
      // The leader runs it, wherever it came in.
      a.awaitEvent(id, type("completed"), BOUND);

      // Its state can be asked of either replica (a Service spreads requests): the follower answers from the state
      // topic what the leader answers from its schedule.
      String leader = "http://127.0.0.1:" + a.daemon.httpPort();
      io.vertx.core.json.JsonObject there = new io.vertx.core.json.JsonObject(
          send(http, leader + "/api/v1/tickets/" + id, token, null).body());
      assertEquals("done", there.getString("state"), there.encode());
      java.util.concurrent.atomic.AtomicReference<String> last = new java.util.concurrent.atomic.AtomicReference<>();
      Await.await("the follower's answer for " + id + " (last: " + last + ")", Duration.ofSeconds(30), () -> {
        try {
          java.net.http.HttpResponse<String> r = send(http, follower + "/api/v1/tickets/" + id, token, null);
          last.set(r.statusCode() + " " + r.body());
          return r.statusCode() == 200 && r.body().contains("\"state\":\"done\"");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      io.vertx.core.json.JsonObject here = new io.vertx.core.json.JsonObject(last.get().substring(4));
      for (String field : List.of("ticket", "state", "node", "runId", "step", "outcome", "accepted", "updated",
          "request")) {
        assertEquals(there.getValue(field), here.getValue(field), field + ": " + here.encode());
      }
      java.net.http.HttpResponse<String> unknown = send(http, follower + "/api/v1/tickets/no-such-ticket", token, null);
      assertEquals(404, unknown.statusCode(), unknown.body());

      // A Slack command that lands on the follower: the leader runs it, and the follower, which alone holds the
      // command's response_url, tells Slack how it goes (from the events topic); the leader tells the channel.
      java.net.http.HttpResponse<String> answer = http.send(dev.takeover.slack.SignedCommand.request(follower,
          DaemonSlackTest.SECRET, java.time.Instant.now().getEpochSecond(), dev.takeover.slack.SignedCommand.form("U123",
              "C456", "kube-node01", slack.url(DaemonSlackTest.RESPONSE_PATH))),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, answer.statusCode(), answer.body());
      java.util.regex.Matcher ticket = DaemonSlackTest.TICKET.matcher(answer.body());
      assertTrue(ticket.find(), answer.body());
      a.awaitEvent(ticket.group(), type("completed"), BOUND);
      List<SlackEndpoint.Received> told = slack.await(DaemonSlackTest.RESPONSE_PATH, r -> r.stream()
          .anyMatch(m -> m.text().contains(ticket.group()) && m.text().contains("completed")), Duration.ofSeconds(30));
      assertTrue(told.stream().anyMatch(m -> m.text().contains("started")), told.toString());
      slack.await(DaemonSlackTest.WEBHOOK_PATH, r -> r.stream().anyMatch(m -> m.text().contains(ticket.group())
          && m.text().contains("completed")), Duration.ofSeconds(30));
    }
  }

  private static java.net.http.HttpResponse<String> send(java.net.http.HttpClient http, String url, String token,
                                                         String body) throws Exception {
    java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
        .timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    b = body == null ? b.GET() : b.header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private String leaseHolder() {
    Lease lease = cluster.client().leases().inNamespace(cluster.client().getNamespace()).withName("takeover").get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static double leaderGauge(DaemonUnderTest d) {
    return d.daemon.metrics().registry().get("takeover_leader").gauge().value();
  }
}
