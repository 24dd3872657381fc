package dev.takeover.metrics;

import dev.takeover.http.HttpServerVerticle;
import dev.takeover.http.Reply;
import dev.takeover.http.Route;
import dev.takeover.http.Routes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

import java.time.Duration;
import java.util.List;

/**
 * The daemon's Prometheus registry: JVM and process metrics, Vert.x's own (when the Vertx was built by
 * {@link #vertx}), the HTTP server's requests, and Takeover's series fed by the subscribers of the event streams.
 * {@code GET /metrics} serves it in the Prometheus text format. The engine never sees this class.
 */
public final class Metrics {
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry;
  private TakeoverMeters takeover;

  private Metrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /** A registry with the JVM and process metrics bound. */
  public static Metrics create() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    return new Metrics(registry);
  }

  /** A Vertx whose own metrics (event loops, HTTP server, event bus, Kafka clients' pools) go to this registry. */
  public Vertx vertx() {
    // Without the HTTP method label: Vert.x takes any token a client sends as a method, and each would be a series.
    java.util.Set<io.vertx.micrometer.Label> labels = java.util.EnumSet.noneOf(io.vertx.micrometer.Label.class);
    labels.addAll(MicrometerMetricsOptions.DEFAULT_LABELS);
    labels.remove(io.vertx.micrometer.Label.HTTP_METHOD);
    MicrometerMetricsOptions options = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(false)
        .setLabels(labels);
    return Vertx.builder().with(new VertxOptions().setMetricsOptions(options))
        .withMetrics(new MicrometerMetricsFactory(registry)).build();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Takeover's own series in this registry: one set, whatever number of times the subscriber is restarted. */
  public synchronized TakeoverMeters takeover() {
    if (takeover == null) {
      takeover = new TakeoverMeters(registry);
    }
    return takeover;
  }

  /** {@code GET /metrics}. */
  public Routes routes() {
    return Routes.of(List.of(Route.get("/metrics",
        r -> Future.succeededFuture(Reply.text(200, CONTENT_TYPE, registry.scrape())))));
  }

  /** Counts each answered request: {@code takeover_http_requests_total{route, method, status}} and its duration. */
  public HttpServerVerticle.Observer httpObserver() {
    return (route, method, status, took) -> {
      Counter.builder("takeover_http_requests").description("HTTP requests answered, by route pattern and status")
          .tag("route", route).tag("method", method).tag("status", Integer.toString(status))
          .register(registry).increment();
      Timer.builder("takeover_http_request_duration").description("Time to answer an HTTP request")
          .tag("route", route).tag("method", method).register(registry).record(took);
    };
  }

  static Duration seconds(long ms) {
    return Duration.ofMillis(ms);
  }
}
