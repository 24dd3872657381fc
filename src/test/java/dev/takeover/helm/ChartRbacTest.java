package dev.takeover.helm;

import dev.takeover.Main;
import dev.takeover.daemon.DaemonCommand;
import dev.takeover.kafka.TestBroker;
import dev.takeover.metrics.Scrape;
import dev.takeover.sim.Await;
import dev.takeover.sim.RequestHook;
import dev.takeover.sim.Seed;
import dev.takeover.sim.SimController;
import dev.takeover.sim.SimTiming;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The chart installed on a simulated cluster, and the daemon run as its pod runs it, through what Takeover does in
 * production: a takeover of the seed's kube-node02 (mysql-0 in default, pg-0 on a CSI volume and a Deployment's pod
 * in shop, Takeover's own replica) asked over the HTTP API while pod watches keep being cut; a plan over HTTP; a bad
 * ticket dead-lettered; the one-shot command line moving everything back; kube-node02 stopping, reported down, and
 * recovered on a recover ticket (out-of-service taint; the simulator's pod GC is off, so Takeover force-deletes), then
 * started again (taint removed). Every request carrying the ServiceAccount's token is recorded; the chart's RBAC must
 * allow exactly those, its admission policy must admit every Lease written in kube-node-lease, and the running daemon
 * must export every metric the alerts and the dashboard read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ChartRbacTest {
  static final String NODE = "kube-node02";
  static final String OTHER = "kube-node01";

  record Call(String phase, String method, String path) {}

  final List<Call> calls = new CopyOnWriteArrayList<>();
  final NodeLeaseWrites leaseWrites = new NodeLeaseWrites();
  /** What the API server does to the daemon's requests beside answering them. */
  final AtomicReference<RequestHook> fault = new AtomicReference<>();
  final Set<String> exported = new TreeSet<>();
  final HttpClient http = HttpClient.newHttpClient();
  volatile String phase = "install";
  long phaseStarted = System.nanoTime();
  SimulatedCluster cluster;
  InstalledChart installed;
  DaemonCommand.Running daemon;
  TicketApi api;

  @BeforeAll
  void run_what_takeover_does_in_production() throws Exception {
    cluster = SimulatedCluster.builder().timing(SimTiming.fast()).without(SimController.POD_GC)
        .requestHook((request, next) -> {
          if (!("Bearer " + InstalledChart.TOKEN).equals(request.getHeader("Authorization"))) {
            return null;
          }
          calls.add(new Call(phase, request.getMethod(), request.getPath()));
          RequestHook f = fault.get();
          MockResponse faulted = f == null ? null : f.handle(request, next);
          return faulted != null ? faulted : leaseWrites.serve(request, next);
        }).start();
    Seed.apply(cluster);
    cluster.scenario().namespace("shop")
        .pv("pv-shop", "1Gi", "csi-standard", v -> v.csi("ebs.csi.aws.com", "vol-0a1b2c3d"))
        .headlessService("shop", "pg", 5432)
        .statefulSet("shop", "pg", s -> s.appLabel("pg").serviceName("pg").replicas(1).image("postgres:16")
            .port("pg", 5432).mount("data", "/var/lib/postgresql/data").claimTemplate("data", "csi-standard", "1Gi")
            .placeOn(NODE))
        .deployment("shop", "web", d -> d.appLabel("web").replicas(1).image("nginx:1.27").placeOn(NODE))
        .pdb("shop", "pg", b -> b.maxUnavailable(1))
        .pdb("default", "mysql", b -> b.maxUnavailable(1).selector("app", "mysql-sts"))
        .apply();
    installed = InstalledChart.install(cluster, Files.createTempDirectory("takeover-chart"), testValues());

    phase("daemon start");
    daemon = installed.startDaemonAs(installed.readyPods().get(0));
    api = new TicketApi(http, "http://127.0.0.1:" + daemon.daemon().httpPort(), InstalledChart.API_TOKEN);

    phase("takeover");
    cluster.watchFaults().onlyFor("pods").cutAfterEvents(1);
    fault.set(replacedBehindAConflict("default/mysql-0", "shop/pg-0"));
    // Takeover's own replica may be on the node: its /tmp is an emptyDir, which kubectl's rule would refuse to drain.
    api.post(ticket("HELM-1", "takeover", new JsonObject().put("deleteEmptyDirData", true)));
    scrapeUntil("Takeover's cordon in takeover_node_cordoned", s -> s.has("takeover_node_cordoned", "node", NODE));
    JsonObject done = api.awaitDone("HELM-1");
    assertEquals("completed", done.getString("outcome"), done.encodePrettily());
    cluster.watchFaults().clear();
    assertEquals(200, api.get("/api/v1/nodes/" + OTHER + "/plan").statusCode());

    phase("dead letter");
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", TestBroker.bootstrap()),
        new StringSerializer(), new StringSerializer())) {
      p.send(new ProducerRecord<>(daemon.config().kafka().topics().tickets(), NODE, "not a ticket")).get(30, TimeUnit.SECONDS);
    }
    scrapeUntil("a dead letter counted", s -> s.has("takeover_dead_letters_total", "code", "not-json"));

    phase("command line");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"run", "--node", OTHER, "--kubeconfig", installed.kubeconfig().toString(),
        "--delete-emptydir-data", "--max-nodes-in-maintenance", "2", "--drain-timeout", "60s",
        "--confirm-timeout", "60s", "--requester", "helm-test"}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(out, true, StandardCharsets.UTF_8));
    assertEquals(0, code, out.toString(StandardCharsets.UTF_8));

    phase("dead node");
    cluster.stopNode(NODE);
    scrapeUntil(NODE + " reported down", s -> s.has("takeover_stuck_statefulset_pods", "node", NODE)
        && s.value("takeover_stuck_statefulset_pods", "node", NODE) == 2.0);
    api.post(ticket("HELM-REC-1", "recover", new JsonObject().put("poweredOff", true)));
    JsonObject recovered = api.awaitDone("HELM-REC-1");
    assertEquals("completed", recovered.getString("outcome"), recovered.encodePrettily());
    assertTrue(recovered.encode().contains("force-deleted"), "pod GC is off: Takeover force-deleted; " + recovered);
    cluster.startNode(NODE);
    Await.await("the out-of-service taint removed from " + NODE, Duration.ofSeconds(30), () -> !outOfService());

    phase("stop");
    scrapeUntil("a last scrape", s -> true);
  }

  /** Requests are attributed to the phase; each phase's time is printed (the test should stay within seconds). */
  private void phase(String next) {
    long now = System.nanoTime();
    System.out.printf("phase %s: %.1f s%n", phase, (now - phaseStarted) / 1e9);
    phase = next;
    phaseStarted = now;
  }

  @AfterAll
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void the_charts_roles_allow_exactly_what_the_daemon_and_the_command_line_asked_for() {
    List<ApiAccess> requested = calls.stream().map(c -> ApiAccess.of(c.method(), c.path()))
        .filter(java.util.Objects::nonNull).toList();
    Set<ApiAccess> needed = Rbac.needed(requested);
    Set<ApiAccess> granted = Rbac.granted(installed.objects, Chart.RELEASE, Chart.NAMESPACE);
    Set<ApiAccess> expected = new TreeSet<>(needed);
    System.out.println("Takeover's requests, by phase:\n" + byPhase());
    if (!expected.equals(granted)) {
      fail("helm/takeover/templates/rbac.yaml differs from the calls the code made:\n"
          + Rbac.diff(expected, granted) + "\nthe calls, by phase:\n" + byPhase());
    }
  }

  @Test
  void every_request_outside_the_api_groups_is_one_any_identity_may_make() {
    Set<String> paths = calls.stream().map(c -> ApiAccess.nonResource(c.method(), c.path()))
        .filter(java.util.Objects::nonNull).map(n -> n.verb() + " " + n.path()).collect(Collectors.toCollection(TreeSet::new));
    Set<String> granted = Rbac.grantedPaths(installed.objects, Chart.RELEASE, Chart.NAMESPACE);
    List<String> notOpen = paths.stream().filter(p -> !p.startsWith("get ") || !ApiAccess.OPEN_PATHS.contains(p.substring(4)))
        .filter(p -> !granted.contains(p)).toList();
    assertTrue(paths.contains("get /version"), "the command line asks /version first: " + paths);
    assertEquals(List.of(), notOpen, "paths that neither system:discovery nor the chart allow");
  }

  @Test
  void every_lease_the_daemon_wrote_in_kube_node_lease_is_one_the_charts_admission_policy_admits() {
    AdmissionPolicy policy = AdmissionPolicy.of(installed.objects, Chart.RELEASE + "-node-leases");
    List<NodeLeaseWrites.Write> writes = leaseWrites.all();
    System.out.println("Lease writes in kube-node-lease put to the admission policy: " + writes);
    assertEquals(Set.of("CREATE", "UPDATE"), writes.stream().map(NodeLeaseWrites.Write::operation)
        .collect(Collectors.toSet()), "guard Leases taken and renewed: " + writes);
    for (NodeLeaseWrites.Write w : writes) {
      assertEquals(new AdmissionPolicy.Admitted(), policy.admit(w.by(NodeLeasePolicyTest.TAKEOVER,
          List.of("system:serviceaccounts", "system:serviceaccounts:" + Chart.NAMESPACE))), w + ": " + w.object());
    }
  }

  @Test
  void every_metric_the_alerts_and_the_dashboard_read_is_exported_by_the_running_daemon() {
    List<HasMetadata> all = Chart.objects(Chart.template(Chart.ALL_ON));
    Map<String, Set<String>> readers = new TreeMap<>();
    PromQl.alerts(all).forEach((alert, expr) -> PromQl.metricNames(expr)
        .forEach(m -> readers.computeIfAbsent(m, k -> new TreeSet<>()).add("alert " + alert)));
    PromQl.dashboardQueries(all).forEach(expr -> PromQl.metricNames(expr)
        .forEach(m -> readers.computeIfAbsent(m, k -> new TreeSet<>()).add("dashboard")));
    assertTrue(readers.size() >= 15, "metric names read: " + readers.keySet());
    Map<String, Set<String>> missing = new LinkedHashMap<>();
    readers.forEach((metric, by) -> {
      if (!exported.contains(metric)) {
        missing.put(metric, by);
      }
    });
    assertEquals(Map.of(), missing, "read by the chart, never exported; exported: "
        + exported.stream().filter(n -> n.startsWith("takeover_")).toList());
  }

  /**
   * Each pod's first eviction answered by a 409 of unknown wording, the pod having been deleted just before (its
   * StatefulSet makes it again under another uid): the evictor reads the pod again by name, the one call a run makes
   * only on such an answer. In two namespaces, as any call that follows the workloads.
   */
  private static RequestHook replacedBehindAConflict(String... pods) {
    Set<String> left = java.util.concurrent.ConcurrentHashMap.newKeySet();
    for (String p : pods) {
      left.add("/api/v1/namespaces/" + p.replace("/", "/pods/"));
    }
    return (r, next) -> {
      String pod = r.getPath().replaceAll("/eviction$", "");
      if (!"POST".equals(r.getMethod()) || !r.getPath().endsWith("/eviction") || !left.remove(pod)) {
        return null;
      }
      next.dispatch(new RecordedRequest(r.getHttpVersion(), io.fabric8.mockwebserver.dsl.HttpMethod.DELETE,
          pod, r.getHeaders().newBuilder().removeAll("Authorization")
          .set("Content-Type", "application/json").build(),
          new Buffer("{\"gracePeriodSeconds\":0}".getBytes(StandardCharsets.UTF_8))));
      return new MockResponse().setResponseCode(409).setHeader("Content-Type", "application/json")
          .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"a wording"
              + " no release of Kubernetes uses\",\"reason\":\"Conflict\",\"code\":409}");
    };
  }

  private Map<String, Object> testValues() {
    String prefix = TestBroker.unique("helm");
    Map<String, Object> kafka = Map.of("properties", Map.of("bootstrap.servers", TestBroker.bootstrap()),
        "topics", Map.of("tickets", prefix + ".tickets", "events", prefix + ".events", "deadLetters", prefix + ".dlq",
            "state", prefix + ".state"), "groupId", prefix, "partitions", 1);
    Map<String, Object> config = Map.of("kafka", kafka,
        "engine", Map.of("drainTimeout", "PT60S", "confirmTimeout", "PT60S", "maxNodesInMaintenance", 2,
            "relistPeriod", "PT1S"),
        "tickets", Map.of("tick", "PT0.2S"),
        "deadNodes", Map.of("grace", "PT2S", "policy", "manual", "recoverAfter", "PT1S", "podGcWait", "PT1S"));
    return Map.of("config", config, "secrets", Map.of("apiToken", Map.of("name", "takeover-api", "key", "token")));
  }

  private static String ticket(String id, String action, JsonObject options) {
    return new JsonObject().put("id", id).put("action", action).put("node", NODE).put("requestedBy", "helm-test")
        .put("reason", "the chart's RBAC, measured").put("options", options).encode();
  }

  private void scrapeUntil(String what, Predicate<Scrape> until) {
    Scrape[] seen = new Scrape[1];
    try {
      Await.await(what, Duration.ofSeconds(30), () -> {
        seen[0] = Scrape.get(http, api.base() + "/metrics");
        seen[0].samples().forEach(s -> exported.add(s.name()));
        return until.test(seen[0]);
      });
    } catch (AssertionError e) {
      // What the daemon says of its tickets, so that a failure here says where the run was.
      throw new AssertionError(e.getMessage() + "; HELM-1: " + api.get("/api/v1/tickets/HELM-1").body()
          + "; calls so far:\n" + byPhase(), e);
    }
  }

  private boolean outOfService() {
    Node n = cluster.client().nodes().withName(NODE).get();
    return n.getSpec().getTaints() != null && n.getSpec().getTaints().stream()
        .anyMatch(t -> "node.kubernetes.io/out-of-service".equals(t.getKey()));
  }

  private String byPhase() {
    Map<String, Set<String>> by = new LinkedHashMap<>();
    for (Call c : calls) {
      ApiAccess a = ApiAccess.of(c.method(), c.path());
      by.computeIfAbsent(c.phase(), k -> new TreeSet<>()).add(a == null ? c.method() + " " + c.path() : a.toString());
    }
    List<String> lines = new ArrayList<>();
    by.forEach((p, as) -> {
      lines.add("  " + p + ":");
      as.forEach(a -> lines.add("    " + a));
    });
    return String.join("\n", lines);
  }
}
