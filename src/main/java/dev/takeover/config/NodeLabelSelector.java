package dev.takeover.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A label selector as kubectl takes it ({@code -l}), for the dead-node policies: requirements joined by commas, all
 * of which must hold: {@code key=value} (or {@code ==}), {@code key!=value}, {@code key}, {@code !key},
 * {@code key in (a,b)}, {@code key notin (a,b)}. The empty text selects no node (a policy left empty applies to
 * none), unlike kubectl's empty selector, which selects everything: "every node" is written as the default policy.
 */
public final class NodeLabelSelector {
  /** Selects no node. */
  public static final NodeLabelSelector NONE = new NodeLabelSelector("", List.of());

  private static final Pattern KEY = Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
      + "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final Pattern VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");

  private enum Op { EQUALS, NOT_EQUALS, EXISTS, NOT_EXISTS, IN, NOT_IN }

  private record Requirement(String key, Op op, Set<String> values) {
    boolean matches(Map<String, String> labels) {
      String v = labels.get(key);
      return switch (op) {
        case EQUALS, IN -> v != null && values.contains(v);
        case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
        case EXISTS -> v != null;
        case NOT_EXISTS -> v == null;
      };
    }
  }

  private final String text;
  private final List<Requirement> requirements;

  private NodeLabelSelector(String text, List<Requirement> requirements) {
    this.text = text;
    this.requirements = requirements;
  }

  /** @throws IllegalArgumentException with one line saying what is wrong */
  public static NodeLabelSelector parse(String text) {
    String t = text == null ? "" : text.trim();
    if (t.isEmpty()) {
      return NONE;
    }
    List<Requirement> reqs = new ArrayList<>();
    for (String part : split(t)) {
      reqs.add(requirement(part.trim(), t));
    }
    return new NodeLabelSelector(t, List.copyOf(reqs));
  }

  public boolean matches(Map<String, String> labels) {
    if (requirements.isEmpty()) {
      return false;
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    return requirements.stream().allMatch(r -> r.matches(l));
  }

  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  @Override
  public String toString() {
    return text;
  }

  /** Splits on the commas that are not inside parentheses. */
  private static List<String> split(String t) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(t.substring(start, i));
        start = i + 1;
      }
    }
    if (depth != 0) {
      throw new IllegalArgumentException("'" + t + "' is not a label selector: unbalanced parentheses");
    }
    parts.add(t.substring(start));
    return parts;
  }

  private static Requirement requirement(String part, String whole) {
    String bad = "'" + whole + "' is not a label selector (kubectl's syntax: key=value, key!=value, key, !key,"
        + " key in (a,b), key notin (a,b), joined by commas)";
    if (part.isEmpty()) {
      throw new IllegalArgumentException(bad);
    }
    if (part.startsWith("!")) {
      return new Requirement(key(part.substring(1).trim(), bad), Op.NOT_EXISTS, Set.of());
    }
    java.util.regex.Matcher set = Pattern.compile("^(\\S+)\\s+(in|notin)\\s*\\((.*)\\)$").matcher(part);
    if (set.matches()) {
      List<String> values = new ArrayList<>();
      for (String v : set.group(3).split(",")) {
        values.add(value(v.trim(), bad));
      }
      if (values.stream().allMatch(String::isEmpty)) {
        throw new IllegalArgumentException(bad); // as Kubernetes: in and notin need at least one value
      }
      return new Requirement(key(set.group(1), bad), "in".equals(set.group(2)) ? Op.IN : Op.NOT_IN, Set.copyOf(values));
    }
    int ne = part.indexOf("!=");
    if (ne > 0) {
      return new Requirement(key(part.substring(0, ne).trim(), bad), Op.NOT_EQUALS,
          Set.of(value(part.substring(ne + 2).trim(), bad)));
    }
    int eq = part.indexOf('=');
    if (eq > 0) {
      String v = part.substring(part.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
      return new Requirement(key(part.substring(0, eq).trim(), bad), Op.EQUALS, Set.of(value(v, bad)));
    }
    return new Requirement(key(part, bad), Op.EXISTS, Set.of());
  }

  private static String key(String k, String bad) {
    if (!KEY.matcher(k).matches() || k.length() > 316) {
      throw new IllegalArgumentException(bad);
    }
    return k;
  }

  private static String value(String v, String bad) {
    if (!VALUE.matcher(v).matches() || v.length() > 63) {
      throw new IllegalArgumentException(bad);
    }
    return v;
  }
}
