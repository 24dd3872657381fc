package dev.takeover.metrics;

import dev.takeover.daemon.TriggerConfig;
import dev.takeover.http.HttpServerVerticle;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /metrics} over real HTTP from the HTTP server as the daemon deploys it: Vert.x's own series when the
 * Vertx was built by {@link Metrics#vertx()} (as {@code takeover daemon} builds it), and the JVM's and the
 * process's whatever the Vertx.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MetricsEndpointTest {
  final HttpClient http = HttpClient.newHttpClient();
  Vertx vertx;

  @AfterEach
  void close() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  String serve(Metrics metrics) throws Exception {
    HttpServerVerticle server = new HttpServerVerticle(new TriggerConfig.Http("127.0.0.1", 0, 65536, ""),
        List.of(v -> metrics.routes()), metrics.httpObserver());
    vertx.deployVerticle(server).await(30, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + server.port() + "/metrics";
  }

  @Test
  void a_vertx_built_by_metrics_serves_its_own_series_beside_the_jvm_and_process_ones() throws Exception {
    Metrics metrics = Metrics.create();
    vertx = metrics.vertx();
    String url = serve(metrics);

    Scrape.get(http, url);
    // The first request is counted once it has been answered: the second scrape shows it.
    Scrape s = Scrape.await(http, url, x -> x.has("vertx_http_server_requests_total"), Duration.ofSeconds(10));

    assertTrue(s.value("vertx_http_server_requests_total", "code", "200") >= 1,
        s.lines("vertx_http_server"));
    assertTrue(s.has("vertx_http_server_active_connections"), s.lines("vertx_"));
    // No method label on Vert.x's series: a client could make one series per made-up method.
    assertFalse(s.lines("vertx_http_server_requests_total").contains("method="), s.lines("vertx_http_server"));
    assertTrue(s.has("vertx_pool_queue_pending", "pool_type", "worker"), s.lines("vertx_"));
    assertTrue(heapUsed(s) > 0, s.lines("jvm_memory"));
    assertTrue(s.has("jvm_gc_memory_allocated_bytes_total") || s.has("jvm_gc_pause_seconds_count"), s.lines("jvm_gc"));
    assertTrue(s.value("jvm_threads_live_threads") > 0);
    assertTrue(s.value("jvm_classes_loaded_classes") > 0);
    assertTrue(s.value("process_uptime_seconds") > 0);
    assertTrue(s.has("process_cpu_usage"));
    assertTrue(s.value("process_files_open_files") > 0, s.lines("process_"));
    assertTrue(s.value("system_cpu_count") >= 1);
    assertTrue(s.value("takeover_http_requests_total", "route", "/metrics", "method", "GET", "status", "200") >= 1);
  }

  @Test
  void a_plain_vertx_has_no_vertx_series_but_still_the_jvm_and_process_ones() throws Exception {
    Metrics metrics = Metrics.create();
    vertx = Vertx.vertx();
    String url = serve(metrics);

    Scrape.get(http, url);
    Scrape s = Scrape.get(http, url);

    assertFalse(s.samples().stream().anyMatch(x -> x.name().startsWith("vertx_")), s.lines("vertx_"));
    assertTrue(heapUsed(s) > 0, s.lines("jvm_memory"));
    assertTrue(s.value("process_uptime_seconds") > 0);
    assertEquals(1.0, s.value("takeover_http_requests_total", "route", "/metrics", "method", "GET", "status", "200"));
  }

  /**
   * All heap pools together: one pool alone may be empty at the scrape (a survivor space right after a collection),
   * which failed this test once in CI when it looked at the first pool only.
   */
  static double heapUsed(Scrape s) {
    return s.samples().stream().filter(x -> x.name().equals("jvm_memory_used_bytes")
        && "heap".equals(x.labels().get("area"))).mapToDouble(Scrape.Sample::value).sum();
  }
}
