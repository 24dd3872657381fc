package dev.takeover.intake;

import dev.takeover.ticket.Rejection;

/**
 * Thrown by a check of {@link TicketJson} to stop at the first failing stage; {@link TicketJson#parse} turns it into
 * {@link TicketJson.Invalid}, so it never leaves the package. No stack trace: it is an answer, not a fault.
 */
final class Refused extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Rejection rejection;

  Refused(String code, String reason) {
    super(reason, null, false, false);
    this.rejection = new Rejection(code, reason);
  }

  Rejection rejection() {
    return rejection;
  }

  /**
   * A value from the record, fit to be quoted in a reason: at most 40 characters and no control characters, so a
   * hostile value can neither flood the dead-letter header nor break it into lines.
   */
  static String quote(String value) {
    StringBuilder b = new StringBuilder("'");
    value.codePoints().limit(40).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    if (value.codePointCount(0, value.length()) > 40) {
      b.append('…');
    }
    return b.append('\'').toString();
  }
}
