package dev.takeover.fence;

import dev.takeover.engine.Fence;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * The fencing hook as an HTTP call: {@code POST {"node", "ticket", "reason"}} to {@code deadNodes.fencing.url}; any
 * 2xx means the node is off. No retry here: a failed fence leaves the node as it is, and whoever asked decides.
 * <p>
 * The URL and the token are secrets (the URL may hold a password, in its userinfo or its query): no message, log line
 * or exception of this class contains them, nor the URL's path; the hook is named by its host and port only. A Vert.x
 * failure's own message can quote the request's URI, so each one is scrubbed before it is passed on.
 */
final class HttpFence implements Fence {
  private static final Logger LOG = LoggerFactory.getLogger(HttpFence.class);
  /** The most of an answer kept: its first line is all a message shows. */
  private static final int MAX_BODY = 4096;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final Duration timeout;
  /** The URL without its userinfo, which {@code setAbsoluteURI} would drop anyway. */
  private final String target;
  /** {@code Bearer <token>}, else {@code Basic} from the URL's userinfo, else null. */
  private final String authorization;
  private final String describe;
  /** Every form of a secret a failure's message might quote, longest first. */
  private final List<String> secrets;

  HttpFence(Vertx vertx, String url, String token, Duration timeout) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("deadNodes.fencing.url is not a URL"); // never quoted: a secret
    }
    if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new IllegalArgumentException("deadNodes.fencing.url must be an http or https URL with a host");
    }
    this.vertx = vertx;
    this.timeout = timeout;
    int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    String host = uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]"
        : uri.getHost();
    this.describe = "HTTP hook on " + host + ":" + port;
    String rest = (uri.getRawPath() == null ? "" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    this.target = uri.getScheme() + "://" + host + ":" + port + (rest.startsWith("/") ? rest : "/" + rest);
    if (token != null && !token.isEmpty()) {
      authorization = "Bearer " + token;
    } else if (uri.getRawUserInfo() != null) {
      authorization = "Basic " + Base64.getEncoder().encodeToString(uri.getUserInfo().getBytes(StandardCharsets.UTF_8));
    } else {
      authorization = null;
    }
    this.secrets = secrets(url, token, uri);
    // No keep-alive: calls are rare, and a pooled connection the hook has since closed would fail a fence.
    int connectMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setMaxRedirects(0)
        .setConnectTimeout(connectMs));
  }

  @Override
  public String describe() {
    return describe;
  }

  @Override
  public Future<String> powerOff(String node, String ticketId, String reason) {
    if (node == null || node.isBlank()) {
      return Future.failedFuture(new Fences.FenceFailed("fencing needs a node name"));
    }
    String ticket = ticketId == null ? "" : ticketId;
    Context context = vertx.getOrCreateContext();
    Promise<String> done = Promise.promise();
    long start = System.nanoTime();
    dev.takeover.logs.RunKeys keys = dev.takeover.logs.RunKeys.current();
    Runnable call = () -> exchange(node, ticket, reason).onComplete(ar ->
        Fences.finish(LOG, context, describe, node, ticket, start, ar, done, keys));
    if (Vertx.currentContext() == context) {
      call.run();
    } else {
      context.runOnContext(v -> call.run());
    }
    return done.future();
  }

  /** The whole exchange, on the caller's context, bounded by the timeout from the first byte to the last. */
  private Future<String> exchange(String node, String ticketId, String reason) {
    Promise<String> outcome = Promise.promise();
    Buffer body = new JsonObject().put("node", node).put("ticket", ticketId).put("reason", reason == null ? "" : reason)
        .toBuffer();
    RequestOptions options;
    try {
      options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(target)
          .setIdleTimeout(Math.max(1, timeout.toMillis())).putHeader("Content-Type", "application/json");
    } catch (RuntimeException e) {
      return Future.failedFuture(new Fences.FenceFailed("fencing hook's URL cannot be used (" + describe + ")"));
    }
    if (authorization != null) {
      options.putHeader("Authorization", authorization);
    }
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), t -> {
      if (outcome.tryFail(new Fences.FenceFailed("fencing hook did not answer within " + timeout)) && sent[0] != null) {
        sent[0].reset();
      }
    });
    client.request(options).compose(req -> {
          sent[0] = req;
          if (outcome.future().isComplete()) {
            req.reset(); // the timeout came first: nothing is sent
          }
          return req.send(body);
        }).compose(this::answer)
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            outcome.tryComplete(ar.result());
          } else {
            outcome.tryFail(ar.cause() instanceof Fences.FenceFailed ? ar.cause()
                : new Fences.FenceFailed("fencing " + describe + " failed: " + scrub(ar.cause())));
          }
        });
    return outcome.future();
  }

  /** The account of a 2xx, or the failure naming the status; either with the answer's first line. */
  private Future<String> answer(HttpClientResponse res) {
    Promise<String> answered = Promise.promise();
    Buffer kept = Buffer.buffer();
    res.handler(chunk -> {
      if (kept.length() < MAX_BODY) {
        kept.appendBuffer(chunk.length() <= MAX_BODY - kept.length() ? chunk : chunk.slice(0, MAX_BODY - kept.length()));
      }
    });
    res.exceptionHandler(answered::tryFail);
    res.endHandler(v -> {
      String line = Fences.clean(redact(Fences.firstLine(kept.toString(StandardCharsets.UTF_8))));
      int status = res.statusCode();
      if (status / 100 == 2) {
        answered.tryComplete(Fences.with(describe + " answered " + status, line));
      } else {
        answered.tryFail(new Fences.FenceFailed(Fences.with("fencing hook answered " + status, line)));
      }
    });
    return answered.future();
  }

  /** A failure's first line, every secret taken out. */
  private String scrub(Throwable e) {
    String m = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    return Fences.clean(redact(m.lines().findFirst().orElse("")));
  }

  private String redact(String text) {
    for (String s : secrets) {
      text = text.replace(s, "<redacted>");
    }
    return text;
  }

  /**
   * The URL and the token in every form a message could quote them: whole, without userinfo, the userinfo and its
   * parts, the path and query raw and decoded. The path counts too: a webhook-style URL's path is its secret.
   */
  private static List<String> secrets(String url, String token, URI uri) {
    List<String> all = new ArrayList<>();
    all.add(url);
    all.add(token);
    all.add(uri.getRawUserInfo());
    all.add(uri.getUserInfo());
    if (uri.getUserInfo() != null) {
      for (String part : uri.getUserInfo().split(":", 2)) {
        all.add(part);
      }
    }
    all.add(uri.getRawQuery() == null ? null : uri.getRawPath() + "?" + uri.getRawQuery()); // a request line's URI
    all.add(uri.getRawQuery());
    all.add(uri.getQuery());
    all.add(uri.getRawPath() != null && uri.getRawPath().length() > 1 ? uri.getRawPath() : null);
    all.add(uri.getPath() != null && uri.getPath().length() > 1 ? uri.getPath() : null);
    all.add(uri.getRawFragment());
    return all.stream().filter(s -> s != null && !s.isEmpty()).distinct()
        .sorted(Comparator.comparingInt(String::length).reversed()).toList();
  }
}
