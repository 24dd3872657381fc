package dev.takeover.slack;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Posts a message to a Slack URL (a command's {@code response_url}, or an incoming webhook), as Slack asks of its
 * clients: a 429 is tried again after its {@code Retry-After}, a 5xx or a broken connection after a backoff (1 s,
 * 2 s, 4 s… with jitter), at most {@value #ATTEMPTS} times in all; any other status is final. The URL is a
 * credential (whoever holds it can post to the channel): no failure this class reports contains it.
 */
final class SlackPoster {
  static final int ATTEMPTS = 5;
  /** The longest wait between two attempts, whatever Retry-After says: a notification late by more is stale. */
  static final Duration LONGEST_WAIT = Duration.ofSeconds(60);
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final HttpClientAgent client;

  SlackPoster(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000)
        .setMaxRedirects(0).setKeepAlive(true));
  }

  /** Completes once Slack said 2xx; fails with a line that never names the URL once it will not be. */
  Future<Void> post(String url, JsonObject message) {
    Promise<Void> done = Promise.promise();
    attempt(url, message.toBuffer(), 1, done);
    return done.future();
  }

  Future<Void> close() {
    return client.close();
  }

  private void attempt(String url, io.vertx.core.buffer.Buffer body, int n, Promise<Void> done) {
    RequestOptions options;
    try {
      options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url).setIdleTimeout(10_000)
          .putHeader("Content-Type", "application/json; charset=utf-8");
    } catch (RuntimeException e) {
      done.fail(new Undelivered("the URL is not a valid http(s) URL"));
      return;
    }
    client.request(options).compose(req -> req.send(body))
        .compose(res -> res.body().map(b -> new Answer(res.statusCode(), res.getHeader("Retry-After"), b.toString())))
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result().status() / 100 == 2) {
            done.complete();
            return;
          }
          String why;
          Duration wait;
          if (ar.failed()) {
            why = "no answer (" + scrub(ar.cause(), url) + ")";
            wait = backoff(n);
          } else {
            Answer a = ar.result();
            why = "status " + a.status() + a.error();
            if (a.status() != 429 && a.status() / 100 != 5) {
              done.fail(new Undelivered(why));
              return;
            }
            Duration after = retryAfter(a.retryAfter());
            wait = after != null ? after : backoff(n);
          }
          if (n >= ATTEMPTS) {
            done.fail(new Undelivered(why + " after " + n + " attempts"));
            return;
          }
          vertx.setTimer(Math.max(1, wait.toMillis()), t -> attempt(url, body, n + 1, done));
        });
  }

  private static Duration backoff(int n) {
    long ms = FIRST_BACKOFF.toMillis() << Math.min(n - 1, 5);
    return Duration.ofMillis(Math.min(LONGEST_WAIT.toMillis(), ms + ThreadLocalRandom.current().nextLong(ms / 5 + 1)));
  }

  /** Retry-After in seconds (Slack sends seconds); null when absent or unreadable; at most {@link #LONGEST_WAIT}. */
  static Duration retryAfter(String header) {
    if (header == null) {
      return null;
    }
    try {
      long s = Long.parseLong(header.trim());
      return s < 0 ? null : Duration.ofSeconds(Math.min(s, LONGEST_WAIT.toSeconds()));
    } catch (NumberFormatException e) {
      return null; // an HTTP date: Slack does not send one; the backoff will do
    }
  }

  /** A failure's message without the URL or its path, which a client library might have put in. */
  static String scrub(Throwable e, String url) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    m = nl < 0 ? m : m.substring(0, nl);
    m = m.replace(url, "<url>");
    try {
      String path = java.net.URI.create(url).getRawPath();
      if (path != null && path.length() > 1) {
        m = m.replace(path, "<path>");
      }
    } catch (IllegalArgumentException ignored) {
      // not a URI: nothing more to take out
    }
    return m;
  }

  /** @param body Slack's answer: for an error, a code such as {@code invalid_payload} or {@code channel_not_found} */
  private record Answer(int status, String retryAfter, String body) {
    /** The error code Slack gave, if it looks like one (letters and underscores), else nothing. */
    String error() {
      String b = body.trim();
      return b.length() <= 64 && b.matches("[a-z_]+") ? " (" + b + ")" : "";
    }
  }

  static final class Undelivered extends RuntimeException {
    Undelivered(String message) {
      super(message, null, false, false);
    }
  }
}
