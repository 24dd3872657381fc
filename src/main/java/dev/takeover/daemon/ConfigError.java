package dev.takeover.daemon;

/**
 * A setting the daemon cannot start with. The message is one line naming the key (and the environment variable,
 * when the value came from one) and the problem, so that it can be printed as is: it never holds a secret.
 */
public final class ConfigError extends RuntimeException {
  public ConfigError(String message) {
    // No stack trace: the message says all an operator needs, and where it was thrown is of no use to them.
    super(message.replace('\r', ' ').replace('\n', ' '), null, false, false);
  }
}
