package dev.takeover.daemon;

import dev.takeover.config.FailurePolicy;
import dev.takeover.daemon.Settings.Parser;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The parsers of the {@link Settings} table: each reads a setting's text or throws an IllegalArgumentException whose
 * message is the problem, without the key (the loader adds it, and the variable's name when it came from the
 * environment).
 */
final class SettingParsers {
  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
  private static final Pattern INSTANCE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

  private SettingParsers() {}

  static String instance(String text) {
    // Empty means the host name (the loader's business); anything else goes into the CloudEvents source URI.
    if (!text.isEmpty() && !INSTANCE_NAME.matcher(text).matches()) {
      throw new IllegalArgumentException("must be letters, digits, '.', '_' and '-' (it goes into the CloudEvents "
          + "source /takeover/<instance>), got '" + text + "'");
    }
    return text;
  }

  static String topic(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("must be set");
    }
    if (!TOPIC.matcher(text).matches() || text.equals(".") || text.equals("..")) {
      throw new IllegalArgumentException("'" + text + "' is not a valid Kafka topic name (letters, digits, '.', '_' "
          + "and '-', at most 249 characters)");
    }
    return text;
  }

  static String required(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("must be set");
    }
    return text;
  }

  static Parser<Integer> atLeast(int min) {
    return text -> {
      int n = wholeNumber(text);
      if (n < min) {
        throw new IllegalArgumentException("must be at least " + min + ", got " + n);
      }
      return n;
    };
  }

  static Short replicationFactor(String text) {
    int n = wholeNumber(text);
    if (n != -1 && n < 1) {
      throw new IllegalArgumentException("must be -1 (the broker's default) or at least 1, got " + n);
    }
    if (n > Short.MAX_VALUE) {
      throw new IllegalArgumentException("must be at most " + Short.MAX_VALUE + ", got " + n);
    }
    return (short) n;
  }

  private static int wholeNumber(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number, got '" + text + "'");
    }
  }

  static Duration positiveDuration(String text) {
    Duration d;
    try {
      d = Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + text + "' is not an ISO-8601 duration such as PT10M");
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("must be more than zero, got " + text);
    }
    return d;
  }

  static Integer port(String text) {
    int n = wholeNumber(text);
    if (n < 0 || n > 65535) {
      throw new IllegalArgumentException("must be a port number from 0 to 65535, got " + n);
    }
    return n;
  }

  /** A comma-separated line (the loader joins a YAML list into one) to its non-blank items, trimmed. */
  static List<String> list(String text) {
    return java.util.Arrays.stream(text.split(",")).map(String::trim).filter(item -> !item.isEmpty()).toList();
  }

  /** Never quotes the text: a webhook URL is a secret (whoever has it posts to the channel). */
  static String urlOrEmpty(String text) {
    if (text.isEmpty()) {
      return text;
    }
    java.net.URI uri;
    try {
      uri = new java.net.URI(text);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("is not a URL");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException("must be an http or https URL with a host");
    }
    return text;
  }

  static String alertAction(String text) {
    if (!Set.of("takeover", "drain", "plan").contains(text)) {
      throw new IllegalArgumentException("must be takeover, drain or plan, got '" + text + "'");
    }
    return text;
  }

  static String regex(String text) {
    try {
      Pattern.compile(text);
      return text;
    } catch (java.util.regex.PatternSyntaxException e) {
      throw new IllegalArgumentException("is not a regular expression: " + e.getDescription());
    }
  }

  /** A share of the nodes: a decimal (0.34) or a fraction (1/3), more than 0 and at most 1. */
  static Double share(String text) {
    double v;
    try {
      int slash = text.indexOf('/');
      v = slash < 0 ? Double.parseDouble(text)
          : Double.parseDouble(text.substring(0, slash).trim()) / Double.parseDouble(text.substring(slash + 1).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a share such as 1/3 or 0.5");
    }
    if (!(v > 0 && v <= 1)) {
      throw new IllegalArgumentException("must be more than 0 and at most 1, got " + text);
    }
    return v;
  }

  static Boolean bool(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("must be true or false, got '" + text + "'");
    };
  }

  static FailurePolicy failurePolicy(String text) {
    return switch (text) {
      case "uncordon" -> FailurePolicy.UNCORDON;
      case "keep-cordoned" -> FailurePolicy.KEEP_CORDONED;
      default -> throw new IllegalArgumentException("must be uncordon or keep-cordoned, got '" + text + "'");
    };
  }
}
