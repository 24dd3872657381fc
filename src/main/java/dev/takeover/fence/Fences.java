package dev.takeover.fence;

import dev.takeover.daemon.DaemonConfig;
import dev.takeover.engine.Fence;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;

import java.util.List;

/**
 * The configured fencing hook, and what both kinds share: the one-line accounts they give (a hook's output is
 * anybody's text: it is cut to one clean line before it reaches a message, a log or an event) and the log line of
 * each call.
 */
public final class Fences {
  /** The most of a hook's answer or output that goes into a message. */
  static final int LINE_MAX = 200;

  private Fences() {}

  /**
   * The hook {@code deadNodes.fencing.*} configures, or null when none is. The loader has refused a URL and a command
   * both set, so the URL, when set, is the hook.
   */
  public static Fence from(Vertx vertx, DaemonConfig.Fencing fencing) {
    if (fencing == null || !fencing.configured()) {
      return null;
    }
    return fencing.url().isBlank() ? new CommandFence(vertx, fencing.command(), fencing.timeout())
        : new HttpFence(vertx, fencing.url(), fencing.token(), fencing.timeout());
  }

  /** The first line of {@code text} that is not blank, cleaned; "" when there is none. */
  static String firstLine(String text) {
    List<String> lines = text.lines().map(Fences::clean).filter(l -> !l.isEmpty()).toList();
    return lines.isEmpty() ? "" : lines.get(0);
  }

  /** The last line of {@code text} that is not blank, cleaned; "" when there is none: a failing tool's last word. */
  static String lastLine(String text) {
    List<String> lines = text.lines().map(Fences::clean).filter(l -> !l.isEmpty()).toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  /**
   * One line without control characters (an answer could hold escape sequences for the operator's terminal), its
   * spaces folded, at most {@value #LINE_MAX} characters.
   */
  static String clean(String line) {
    StringBuilder out = new StringBuilder(Math.min(line.length(), LINE_MAX + 1));
    boolean space = false;
    for (int i = 0; i < line.length() && out.length() <= LINE_MAX; i++) {
      char c = line.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        space = out.length() > 0;
        continue;
      }
      if (space) {
        out.append(' ');
        space = false;
      }
      out.append(c);
    }
    return out.length() > LINE_MAX ? out.substring(0, LINE_MAX - 1) + "…" : out.toString();
  }

  /** "{@code head}: {@code line}", or just the head when the line is empty. */
  static String with(String head, String line) {
    return line.isEmpty() ? head : head + ": " + line;
  }

  /**
   * Logs the call's outcome (one INFO line, the account or the failure, which hold no secret) and completes
   * {@code promise} with it on {@code context}, the caller's, whichever thread the outcome arrived on.
   */
  static void finish(Logger log, Context context, String describe, String node, String ticketId, long startNanos,
                     AsyncResult<String> outcome, Promise<String> promise) {
    finish(log, context, describe, node, ticketId, startNanos, outcome, promise, dev.takeover.logs.RunKeys.NONE);
  }

  /** As above; the line carries {@code keys}, the run's that asked (taken when it asked, on its thread). */
  static void finish(Logger log, Context context, String describe, String node, String ticketId, long startNanos,
                     AsyncResult<String> outcome, Promise<String> promise, dev.takeover.logs.RunKeys keys) {
    long ms = (System.nanoTime() - startNanos) / 1_000_000;
    keys.during(() -> {
      if (outcome.succeeded()) {
        log.info("fencing node {} (ticket {}) with {}: powered off in {} ms ({})", node, ticketId, describe, ms,
            outcome.result());
      } else {
        log.info("fencing node {} (ticket {}) with {}: failed after {} ms ({})", node, ticketId, describe, ms,
            outcome.cause().getMessage());
      }
    });
    if (Vertx.currentContext() == context) {
      promise.handle(outcome);
    } else {
      context.runOnContext(v -> promise.handle(outcome));
    }
  }

  /** A hook's failure: one line, no stack trace (it says all there is), no secret. */
  static final class FenceFailed extends RuntimeException {
    FenceFailed(String message) {
      super(message, null, false, false);
    }
  }
}
