package dev.takeover.ticket;

/** A request that cannot become a {@link Ticket}; the message is one line, fit for the requester. */
public class TicketRejected extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TicketRejected(String reason) {
    super(reason, null, false, false);
  }
}
