package dev.takeover.daemon;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** The environment's part of {@link DaemonConfigLoader}: which {@code TAKEOVER_*} variable sets which key. */
final class EnvOverrides {
  static final String PREFIX = "TAKEOVER_";
  static final String PROPERTY_PREFIX = "TAKEOVER_KAFKA_PROPERTIES_";
  /** Short for {@code TAKEOVER_KAFKA_PROPERTIES_BOOTSTRAP_SERVERS}: the one property every deployment sets. */
  static final String BOOTSTRAP_ALIAS = "TAKEOVER_KAFKA_BOOTSTRAP_SERVERS";

  /**
   * The variables Kubernetes gives every container for each Service of its namespace (enableServiceLinks): a Service
   * named takeover or takeover-metrics would otherwise stop the daemon as unknown settings.
   */
  private static final Pattern SERVICE_LINK = Pattern.compile(
      "TAKEOVER(_[A-Z0-9_]+)?_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)");

  /** A setting's text and, when it came from the environment, the variable's name (for error messages). */
  record Value(String text, String envName) {
    String label(String key) {
      return envName == null ? key : key + " (" + envName + ")";
    }
  }

  private EnvOverrides() {}

  /**
   * Puts each {@code TAKEOVER_*} variable of {@code env} over what the file said: settings into {@code values} (by key),
   * Kafka client properties into {@code properties} (by property name).
   *
   * @throws ConfigError naming every {@code TAKEOVER_*} variable that is no setting (a typo must not go unnoticed)
   */
  static void apply(Map<String, String> env, Map<String, Value> values, Map<String, Value> properties) {
    List<String> unknown = new ArrayList<>();
    for (String name : new TreeSet<>(env.keySet())) {
      if (!name.startsWith(PREFIX) || name.equals(BOOTSTRAP_ALIAS)) {
        continue;
      }
      Value value = new Value(env.get(name), name);
      Settings.Setting<?> setting = bySetting(name);
      if (setting != null) {
        values.put(setting.key(), value);
      } else if (name.startsWith(PROPERTY_PREFIX) && name.length() > PROPERTY_PREFIX.length()) {
        properties.put(propertyName(name), value);
      } else if (!SERVICE_LINK.matcher(name).matches()) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigError(unknownMessage(unknown));
    }
    String alias = env.get(BOOTSTRAP_ALIAS);
    if (alias != null) {
      Value full = properties.get(Settings.BOOTSTRAP_SERVERS);
      if (full != null && full.envName() != null && !full.text().equals(alias)) {
        throw new ConfigError(BOOTSTRAP_ALIAS + " and " + full.envName() + ": both set kafka.properties."
            + Settings.BOOTSTRAP_SERVERS + ", to different values; set only one");
      }
      properties.put(Settings.BOOTSTRAP_SERVERS, new Value(alias, BOOTSTRAP_ALIAS));
    }
  }

  /** {@code TAKEOVER_KAFKA_PROPERTIES_SASL_JAAS_CONFIG} → {@code sasl.jaas.config}. */
  static String propertyName(String envName) {
    return envName.substring(PROPERTY_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
  }

  private static Settings.Setting<?> bySetting(String envName) {
    return Settings.ALL.stream().filter(s -> s.envName().equals(envName)).findFirst().orElse(null);
  }

  private static String unknownMessage(List<String> unknown) {
    if (unknown.size() == 1) {
      return unknown.get(0) + ": unknown setting" + guess(unknown.get(0));
    }
    List<String> named = new ArrayList<>();
    unknown.forEach(name -> named.add(name + guess(name)));
    return "unknown settings in the environment: " + String.join(", ", named);
  }

  private static String guess(String name) {
    String guess = Settings.closest(name, candidates(name));
    return guess == null ? "" : " (did you mean " + guess + "?)";
  }

  private static Set<String> candidates(String name) {
    Set<String> names = new LinkedHashSet<>();
    Settings.ALL.forEach(s -> names.add(s.envName()));
    names.add(BOOTSTRAP_ALIAS);
    // TAKEOVER_KAFKA_PROPERTY_SASL_MECHANISM: the misspelt word is the family's, the rest a property's name.
    String[] words = name.split("_", 4);
    if (words.length == 4 && words[1].equals("KAFKA")) {
      names.add(PROPERTY_PREFIX + words[3]);
    }
    return names;
  }
}
