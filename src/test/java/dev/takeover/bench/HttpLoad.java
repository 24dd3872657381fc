package dev.takeover.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A closed-loop HTTP load: {@code clients} requesters, each sending its next request when the last one answered,
 * on a Vert.x HTTP client of its own (keep-alive, one connection a requester). Requests that start in the warm-up
 * are not counted. An answer with another status than expected, or no answer within 30 s, is an error.
 */
final class HttpLoad implements AutoCloseable {
  /** What one level of load gave. */
  record Figure(int clients, long ok, Map<String, Long> errors, double seconds, double p50ms, double p99ms,
                double maxMs) {
    double perSecond() {
      return ok / seconds;
    }

    long errorCount() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%4d clients: %7.0f req/s ok, %s; latency p50 %.1f ms, p99 %.1f ms, max %.0f ms",
          clients, perSecond(), errors.isEmpty() ? "no errors" : errorCount() + " errors " + errors, p50ms, p99ms, maxMs);
    }
  }

  private final Vertx vertx = Vertx.vertx();

  /**
   * Runs {@code clients} requesters for {@code warmUp} + {@code measured}; {@code request.apply(i)} is the i-th
   * request (method, URI, headers, body), {@code expected} its good status.
   */
  Figure run(String host, int port, int clients, Duration warmUp, Duration measured,
             IntFunction<Req> request, int expected) throws Exception {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port)
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(clients));
    long t0 = System.nanoTime();
    long counted = t0 + warmUp.toNanos();
    long end = counted + measured.toNanos();
    AtomicLong ok = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    Future<?>[] loops = new Future<?>[clients];
    for (int c = 0; c < clients; c++) {
      Promise<Void> done = Promise.promise();
      loops[c] = done.future();
      vertx.runOnContext(v -> next(client, request, expected, seq, counted, end, ok, errors, latencies, done));
    }
    Future.all(Arrays.asList(loops)).await(measured.plus(warmUp).toSeconds() + 60, TimeUnit.SECONDS);
    client.close().await(10, TimeUnit.SECONDS);
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    Map<String, Long> errs = new TreeMap<>();
    errors.forEach((k, n) -> errs.put(k, n.get()));
    return new Figure(clients, ok.get(), errs, measured.toNanos() / 1e9, pct(sorted, 50), pct(sorted, 99),
        sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
  }

  record Req(HttpMethod method, String uri, Map<String, String> headers, Buffer body) {}

  private void next(HttpClient client, IntFunction<Req> request, int expected, AtomicLong seq, long counted, long end,
                    AtomicLong ok, Map<String, AtomicLong> errors, ConcurrentLinkedQueue<Long> latencies,
                    Promise<Void> done) {
    long start = System.nanoTime();
    if (start >= end) {
      done.complete();
      return;
    }
    Req r = request.apply((int) seq.getAndIncrement());
    RequestOptions options = new RequestOptions().setMethod(r.method()).setURI(r.uri()).setTimeout(30_000);
    r.headers().forEach(options::putHeader);
    client.request(options)
        .compose(req -> r.body() == null ? req.send() : req.send(r.body()))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          long now = System.nanoTime();
          if (start >= counted && now <= end + TimeUnit.SECONDS.toNanos(30)) {
            if (ar.succeeded() && ar.result() == expected) {
              ok.incrementAndGet();
              latencies.add(now - start);
            } else {
              String why = ar.succeeded() ? "HTTP " + ar.result() : ar.cause().getClass().getSimpleName();
              errors.computeIfAbsent(why, k -> new AtomicLong()).incrementAndGet();
            }
          }
          next(client, request, expected, seq, counted, end, ok, errors, latencies, done);
        });
  }

  private static double pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
