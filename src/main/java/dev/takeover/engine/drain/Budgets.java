package dev.takeover.engine.drain;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the budget's name out of the API server's 429 cause. */
public final class Budgets {
  // "The disruption budget mysql needs 1 healthy pods and has 1 currently" (policy/v1 eviction, v1.32)
  private static final Pattern NAME = Pattern.compile("disruption budget (\\S+)");

  private Budgets() {}

  public static String name(String cause) {
    Matcher m = NAME.matcher(cause);
    return m.find() ? m.group(1) : "?";
  }
}
