package dev.takeover.cli;

/** Wrong arguments: one line for the user, followed by a hint to --help. */
public final class UsageError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageError(String message) {
    super(message, null, false, false);
  }
}
