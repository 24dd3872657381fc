package dev.takeover.daemon;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md's "Configuration reference" against the settings as they are: every key of the shipped
 * config/takeover.yaml has a row, with the environment variable the loader reads and the default the file gives,
 * and no row names a key that is gone. Kafka client properties other than bootstrap.servers share the row
 * {@code kafka.properties.*}.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ConfigReferenceTest {
  static final String HEADING = "### Configuration reference";
  static final String ANY_PROPERTY = Settings.PROPERTIES + ".*";

  /** The shipped file's keys, in order, each with its value as the file writes it. */
  static Map<String, String> shipped;
  /** The reference's rows: key → its cells (key, type, default, environment, meaning). */
  static Map<String, List<String>> rows;

  @BeforeAll
  static void read() throws IOException {
    try (Reader r = Files.newBufferedReader(Path.of("config/takeover.yaml"), StandardCharsets.UTF_8)) {
      shipped = new LinkedHashMap<>();
      flatten("", new Yaml().load(r), shipped);
    }
    rows = reference(Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8));
  }

  @Test
  void every_key_of_the_shipped_file_has_a_row() {
    List<String> missing = shipped.keySet().stream().filter(k -> row(k) == null).toList();
    assertEquals(List.of(), missing, "keys of config/takeover.yaml missing from README's '" + HEADING + "'");
  }

  @Test
  void every_row_is_a_key_the_daemon_reads() {
    List<String> unknown = rows.keySet().stream().filter(k -> !k.equals(ANY_PROPERTY) && !shipped.containsKey(k))
        .toList();
    assertEquals(List.of(), unknown, "rows of README's '" + HEADING + "' naming no key of config/takeover.yaml");
  }

  @Test
  void each_row_names_the_environment_variable_the_loader_reads() {
    List<String> wrong = new ArrayList<>();
    for (String key : shipped.keySet()) {
      List<String> row = row(key);
      if (row == null) {
        continue; // told by every_key_of_the_shipped_file_has_a_row
      }
      String variable = key.startsWith(Settings.PROPERTIES + ".")
          ? EnvOverrides.PROPERTY_PREFIX + (row.get(0).contains("*") ? ""
              : key.substring(Settings.PROPERTIES.length() + 1).toUpperCase(Locale.ROOT).replace('.', '_'))
          : Settings.byKey(key).envName();
      if (!row.get(3).contains("`" + variable)) {
        wrong.add(key + " → " + variable + ", not in: " + row.get(3));
      }
    }
    assertEquals(List.of(), wrong);
  }

  @Test
  void each_row_gives_the_default_the_shipped_file_gives() {
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, String> e : shipped.entrySet()) {
      List<String> row = row(e.getKey());
      if (row != null && row.get(0).equals("`" + e.getKey() + "`") && !row.get(2).contains("`" + e.getValue() + "`")) {
        wrong.add(e.getKey() + ": `" + e.getValue() + "` in the file, " + row.get(2) + " in the README");
      }
    }
    assertEquals(List.of(), wrong);
  }

  /** The row of a key: its own, or for a Kafka property without one, the row of any property. */
  private static List<String> row(String key) {
    List<String> own = rows.get(key);
    return own != null || !key.startsWith(Settings.PROPERTIES + ".") ? own : rows.get(ANY_PROPERTY);
  }

  /** The table under {@link #HEADING}, up to the next heading: each row by the key in its first cell. */
  private static Map<String, List<String>> reference(List<String> readme) {
    int at = readme.indexOf(HEADING);
    assertTrue(at >= 0, "README.md has no '" + HEADING + "' heading (docs-draft/config-reference.md is its draft)");
    Map<String, List<String>> found = new LinkedHashMap<>();
    Pattern firstKey = Pattern.compile("`([A-Za-z.*]+)`");
    for (String line : readme.subList(at + 1, readme.size())) {
      if (line.startsWith("#")) {
        break;
      }
      if (!line.startsWith("| `")) {
        continue;
      }
      // Cells split on | that is not escaped (\| separates the values of an enum).
      List<String> cells = new ArrayList<>();
      for (String cell : line.substring(1, line.lastIndexOf('|')).split("(?<!\\\\)\\|")) {
        cells.add(cell.strip());
      }
      Matcher m = firstKey.matcher(cells.get(0));
      if (cells.size() == 5 && m.lookingAt()) {
        found.put(m.group(1), cells);
      }
    }
    assertTrue(found.size() > 1, "no table of key, type, default, environment, meaning under '" + HEADING + "'");
    return found;
  }

  /** The file's leaves as dotted keys, each with its value written as the file writes it ("", [a, b], PT10M). */
  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Map<String, Object> section, Map<String, String> out) {
    for (Map.Entry<String, Object> e : section.entrySet()) {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      Object v = e.getValue();
      if (v instanceof Map<?, ?> inner) {
        flatten(key, (Map<String, Object>) inner, out);
      } else if (v instanceof List<?> list) {
        out.put(key, "[" + String.join(", ", list.stream().map(String::valueOf).toList()) + "]");
      } else {
        out.put(key, v == null || "".equals(v) ? "\"\"" : String.valueOf(v));
      }
    }
  }
}
