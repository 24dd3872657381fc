package dev.takeover.alertmanager;

import dev.takeover.daemon.DaemonConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Kured's gate: before a run starts, ask Prometheus ({@code GET /api/v1/alerts}) whether an alert whose name matches
 * {@code gate.alerts} fires; while one does, new runs are held (the scheduler says why in a {@code scheduled}
 * event) and a held run asks again every {@code gate.interval}. Prometheus that cannot be asked, or answers
 * something else, holds them too: the gate fails closed, as a gate that opens when its guard is away is none.
 *
 * <p>The alerts of {@code alertmanager.alertNames} never hold: they are what asks for the runs, and the default
 * {@code gate.alerts} ({@code .*}) would otherwise hold every run they ask for. Pending alerts do not hold.
 *
 * <p>{@link #get} is the scheduler's question, asked on its context and answered from the last answer at once (it
 * never waits): no answer yet, or an open one older than {@link #OPEN_FOR} (or the interval, if shorter), starts a
 * question and holds meanwhile; {@code answered} is called when an answer arrives, so that the scheduler looks again
 * without waiting for its tick. The URL is never shown (it may carry credentials).
 */
public final class PrometheusGate implements Supplier<String> {
  private static final Logger LOG = LoggerFactory.getLogger(PrometheusGate.class);
  /** How long "nothing fires" is believed at most (and at most gate.interval): a run that starts later asks first. */
  static final Duration OPEN_FOR = Duration.ofSeconds(5);
  static final long TIMEOUT_MS = 10_000;
  static final int MAX_ANSWER_BYTES = 8 * 1024 * 1024;
  static final String ASKING = "asking Prometheus (gate.prometheusUrl) whether an alert matching gate.alerts fires "
      + "before the run starts";

  private final Vertx vertx;
  private final HttpClient client;
  private final String uri;
  /** {@code Basic …} from the URL's user:password, or null; a secret, never logged. */
  private final String authorization;
  /** What of the URL a failure's message may quote and must not (its path and query may hold a token). */
  private final java.util.List<String> secrets;
  private final Pattern alerts;
  private final String pattern;
  private final Set<String> triggers;
  private final long intervalNanos;
  private final long openForNanos;
  private final Runnable answered;
  /** Null before the first answer; else why the gate holds (null inside: open). */
  private Held last;
  private long lastAt;
  private boolean asking;

  private record Held(String because) {}

  public PrometheusGate(Vertx vertx, DaemonConfig config, Runnable answered) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) TIMEOUT_MS));
    String url = alertsUrl(config.gate().prometheusUrl());
    String[] split = withoutUserInfo(url);
    this.uri = split[0];
    this.authorization = split[1];
    this.secrets = secrets(url);
    this.alerts = config.gate().alertPattern();
    this.pattern = config.gate().alerts();
    this.triggers = config.alertmanager().alertNames();
    this.intervalNanos = config.gate().interval().toNanos();
    this.openForNanos = Math.min(intervalNanos, OPEN_FOR.toNanos());
    this.answered = answered;
  }

  /** Why new runs are held now, or null when they may start. */
  @Override
  public String get() {
    long age = System.nanoTime() - lastAt;
    if (last == null) {
      ask();
      return ASKING;
    }
    if (last.because() == null) {
      if (age > openForNanos) {
        ask();
        return ASKING;
      }
      return null;
    }
    if (age >= intervalNanos) {
      ask(); // held: keep the reason meanwhile, so that a re-check that finds the same tells nothing new
    }
    return last.because();
  }

  public Future<Void> close() {
    return client.close();
  }

  private void ask() {
    if (asking) {
      return;
    }
    asking = true;
    Future<String> question;
    try {
      question = query();
    } catch (RuntimeException e) {
      question = Future.failedFuture(e);
    }
    question.recover(e -> Future.succeededFuture("Prometheus cannot be asked (" + scrub(oneLine(e)) + "); new runs "
            + "wait until it answers (the gate fails closed)"))
        .onComplete(ar -> {
          String because = ar.result();
          if (last == null || !java.util.Objects.equals(last.because(), because)) {
            LOG.info("gate: {}", because == null ? "no alert matching gate.alerts fires; runs may start" : because);
          }
          last = new Held(because);
          lastAt = System.nanoTime();
          asking = false;
          // Never within the scheduler's own evaluation, which asked: a failure can complete at once.
          vertx.runOnContext(v -> answered.run());
        });
  }

  /** Null when no matching alert fires, else the reason naming the alerts; fails when Prometheus cannot be asked. */
  private Future<String> query() {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri)
        .setTimeout(TIMEOUT_MS).putHeader("Accept", "application/json");
    if (authorization != null) {
      options.putHeader("Authorization", authorization);
    }
    // The request's timeout is an idle one: a Prometheus that trickles its answer is cut off here as a whole.
    Promise<String> answer = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long deadline = vertx.setTimer(2 * TIMEOUT_MS, t -> {
      if (answer.tryFail("no whole answer within " + 2 * TIMEOUT_MS / 1000 + " s") && sent.get() != null) {
        sent.get().reset();
      }
    });
    client.request(options).compose(req -> {
          sent.set(req);
          return req.send();
        }).compose(this::read).map(this::held)
        .onComplete(ar -> {
          vertx.cancelTimer(deadline);
          if (ar.succeeded()) {
            answer.tryComplete(ar.result());
          } else {
            answer.tryFail(ar.cause());
          }
        });
    return answer.future();
  }

  /**
   * {@code /api/v1/alerts} under the URL's path, its query kept after it: {@code https://h/prom?token=t} is asked
   * as {@code https://h/prom/api/v1/alerts?token=t}.
   */
  static String alertsUrl(String base) {
    try {
      URI u = new URI(base);
      String path = u.getRawPath() == null ? "" : u.getRawPath();
      path = (path.endsWith("/") ? path.substring(0, path.length() - 1) : path) + "/api/v1/alerts";
      return u.getScheme() + "://" + u.getRawAuthority() + path + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    } catch (URISyntaxException | RuntimeException e) {
      return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/api/v1/alerts";
    }
  }

  /**
   * The forms of the URL's secret parts a client's failure could quote, longest first: Vert.x's timeout says
   * "... while executing GET /prom/api/v1/alerts?token=… for server …". The path alone only when it is more than
   * the API's own.
   */
  private static java.util.List<String> secrets(String url) {
    java.util.List<String> all = new java.util.ArrayList<>();
    all.add(url);
    try {
      URI u = new URI(url);
      String path = u.getRawPath() == null ? "" : u.getRawPath();
      if (u.getRawQuery() != null) {
        all.add(path + "?" + u.getRawQuery());
        all.add(u.getRawQuery());
        all.add(u.getQuery());
      }
      if (!path.equals("/api/v1/alerts")) {
        all.add(path);
        all.add(u.getPath());
      }
      all.add(u.getRawUserInfo());
      all.add(u.getUserInfo());
    } catch (URISyntaxException e) {
      // the whole URL is all there is to take out
    }
    return all.stream().filter(x -> x != null && !x.isEmpty()).distinct()
        .sorted(java.util.Comparator.comparingInt(String::length).reversed()).toList();
  }

  private String scrub(String message) {
    for (String secret : secrets) {
      message = message.replace(secret, "<redacted>");
    }
    return message;
  }

  /**
   * The URL without its user:password, and these as an {@code Authorization: Basic} header (null when the URL has
   * none): Vert.x's {@code setAbsoluteURI} drops the userinfo, so a Prometheus behind basic auth would answer 401 for
   * ever. The userinfo is percent-decoded ({@code p%40ss} is {@code p@ss}), as browsers and curl do.
   */
  static String[] withoutUserInfo(String url) {
    try {
      URI u = new URI(url);
      String raw = u.getRawUserInfo();
      if (raw == null || u.getRawAuthority() == null) {
        return new String[] {url, null};
      }
      String plain = u.getScheme() + "://" + u.getRawAuthority().substring(raw.length() + 1)
          + (u.getRawPath() == null ? "" : u.getRawPath()) + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
      String basic = Base64.getEncoder().encodeToString(u.getUserInfo().getBytes(StandardCharsets.UTF_8));
      return new String[] {plain, "Basic " + basic};
    } catch (URISyntaxException e) {
      return new String[] {url, null}; // checked when the settings were read; asking will say it cannot be asked
    }
  }

  private Future<Buffer> read(HttpClientResponse res) {
    if (res.statusCode() != 200) {
      res.exceptionHandler(e -> { }); // the reset below is ours: nothing to report
      res.request().reset();
      return Future.failedFuture("it answered HTTP " + res.statusCode());
    }
    Promise<Buffer> body = Promise.promise();
    Buffer all = Buffer.buffer();
    res.handler(chunk -> {
      if (all.length() + chunk.length() > MAX_ANSWER_BYTES) {
        body.tryFail("its answer is larger than " + MAX_ANSWER_BYTES + " bytes");
        res.request().reset();
      } else {
        all.appendBuffer(chunk);
      }
    });
    res.exceptionHandler(body::tryFail);
    res.endHandler(v -> body.tryComplete(all));
    return body.future();
  }

  private String held(Buffer body) {
    JsonArray list;
    try {
      JsonObject answer = body.toJsonObject();
      if (!"success".equals(answer.getValue("status"))) {
        throw new IllegalArgumentException("its status is not success");
      }
      list = answer.getJsonObject("data").getJsonArray("alerts");
      if (list == null) {
        throw new IllegalArgumentException("it has no data.alerts");
      }
    } catch (RuntimeException e) {
      throw new IllegalStateException("its answer is not what /api/v1/alerts answers: " + oneLine(e));
    }
    Set<String> firing = new TreeSet<>();
    for (Object o : list) {
      if (o instanceof JsonObject a && "firing".equals(a.getValue("state"))
          && a.getValue("labels") instanceof JsonObject labels && labels.getValue("alertname") instanceof String name
          && alerts.matcher(name).matches() && !triggers.contains(name)) {
        firing.add(AlertPayload.clean(name));
      }
    }
    if (firing.isEmpty()) {
      return null;
    }
    String names = String.join(", ", firing.stream().limit(5).toList())
        + (firing.size() > 5 ? " and " + (firing.size() - 5) + " more" : "");
    return "alert(s) firing in Prometheus hold new runs (gate.alerts " + AlertPayload.quote(pattern) + "): " + names
        + "; asked again every " + Duration.ofNanos(intervalNanos).toString().substring(2).toLowerCase();
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
