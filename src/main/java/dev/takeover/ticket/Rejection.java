package dev.takeover.ticket;

/**
 * Why a request cannot become a ticket, whatever its source: a stable {@code code} for machines (the dead-letter
 * header {@code takeover.error}, the HTTP API's {@code error}) and one human line naming what is wrong (the header
 * {@code takeover.reason}, a Slack reply). Never a stack trace, never a secret.
 *
 * <p>Codes: {@code not-json}, {@code too-large}, {@code too-deep}, {@code schema}, {@code key-mismatch},
 * {@code window-over}, {@code unknown-node}, {@code control-plane}, {@code duplicate-conflict},
 * {@code unknown-target}.
 */
public record Rejection(String code, String reason) {
  public Rejection {
    if (code == null || code.isBlank()) {
      throw new IllegalArgumentException("a rejection needs a code");
    }
    reason = reason == null ? "" : reason.replace('\n', ' ').replace('\r', ' ');
  }
}
