package dev.takeover.daemon;

import dev.takeover.daemon.EnvOverrides.Value;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The file's part of {@link DaemonConfigLoader}: reads {@code config/takeover.yaml} once (a key given twice is
 * refused, and no error quotes a value, which may be a secret), and walks its mappings into each setting's text
 * and each Kafka property's, refusing unknown keys. What the texts mean is the loader's business.
 */
final class ConfigFile {
  /** The YAML parser's problems that go on to quote the file (see {@link #withoutQuote}). */
  private static final List<String> QUOTING_PROBLEMS = List.of("found undefined alias",
      "could not determine a constructor for the tag", "found undefined tag handle", "Global tag is not allowed",
      "expected URI in UTF-8", "found duplicate anchor", "found unacceptable key");

  private ConfigFile() {}

  /** The file's settings as vertx-config reads them; a {@link ConfigError} when missing, unreadable or not YAML. */
  static Future<JsonObject> read(Vertx vertx, Path file) {
    // Absolute: for a relative path that does not exist, Vert.x would read a classpath resource of that name instead.
    String path = file.toAbsolutePath().toString();
    return vertx.fileSystem().exists(path).compose(exists -> {
      if (!exists) {
        return Future.failedFuture(new ConfigError("config file " + file + ": no such file"));
      }
      return noDuplicateKeys(vertx, path).recover(e -> Future.failedFuture(unreadable(file, e))).compose(v -> {
        ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
            .setScanPeriod(0) // read once: the daemon takes its settings at start only
            .addStore(new ConfigStoreOptions().setType("file").setFormat("yaml")
                .setConfig(new JsonObject().put("path", path))));
        return retriever.getConfig()
            .eventually(retriever::close)
            .recover(e -> e instanceof NullPointerException
                // A file of comments only is YAML's null, on which vertx-config 5.1.1's merge trips: no settings.
                ? Future.succeededFuture(new JsonObject())
                : Future.failedFuture(unreadable(file, e)));
      });
    });
  }

  /**
   * Fails on a key given twice in one mapping. vertx-config's parser keeps the last one, so that a second
   * {@code engine:} would silently drop every setting of the first; the same parser, told to refuse them, reads the
   * file first. On a worker: parsing is blocking work.
   */
  private static Future<Void> noDuplicateKeys(Vertx vertx, String path) {
    return vertx.fileSystem().readFile(path).compose(text -> vertx.executeBlocking(() -> {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      new Yaml(new SafeConstructor(options)).load(text.toString(StandardCharsets.UTF_8));
      return null;
    }));
  }

  private static ConfigError unreadable(Path file, Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof MarkedYAMLException yaml) {
        // Only the parser's problem and position: its snippet of the line could show a secret.
        Mark mark = yaml.getProblemMark() != null ? yaml.getProblemMark() : yaml.getContextMark();
        String where = mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
        String problem = yaml.getProblem() == null ? yaml.getContext()
            // "but found another document" says little without its "expected a single document in the stream".
            : yaml.getProblem().startsWith("but ") && yaml.getContext() != null
                ? yaml.getContext() + ", " + yaml.getProblem() : yaml.getProblem();
        return new ConfigError("config file " + file + ": not valid YAML" + where + ": " + withoutQuote(problem));
      }
      if (t instanceof YAMLException) {
        return new ConfigError("config file " + file + ": not valid YAML (" + t.getClass().getSimpleName() + ")");
      }
      if (t instanceof DecodeException) {
        return new ConfigError("config file " + file + ": must be a mapping of settings, as config/takeover.yaml is");
      }
      if (t instanceof FileSystemException || t instanceof IOException) {
        return new ConfigError("config file " + file + ": could not be read: " + failure.getMessage());
      }
    }
    // Thrown while building a tagged value (!!int, !!binary, !!timestamp): its message quotes the value, which may
    // be a secret (ssl.key.password: !!int s3cr3t said 'For input string: "s3cr3t"').
    return new ConfigError("config file " + file + ": not valid YAML: a value with a tag (!!int, !!binary…) could not "
        + "be read (" + failure.getClass().getSimpleName() + ")");
  }

  /**
   * A parser's problem without the part that quotes the file. These name what followed a {@code *} or {@code !}, which
   * is a whole unquoted value such as {@code ssl.key.password: !s3cr3t}; the other problems quote one character at most.
   */
  private static String withoutQuote(String problem) {
    if (problem == null) {
      return "no reason given";
    }
    for (String quoting : QUOTING_PROBLEMS) {
      if (problem.startsWith(quoting)) {
        return quoting + " (a value that starts with *, & or ! must be quoted)";
      }
    }
    return problem;
  }

  /** Walks one mapping of the file, putting each setting's text in {@code values} and each property's in {@code properties}. */
  static void readSection(JsonObject section, String prefix, Map<String, Value> values,
                                  Map<String, Value> properties) {
    for (String name : section.fieldNames()) {
      String key = prefix.isEmpty() ? name : prefix + "." + name;
      Object value = section.getValue(name);
      if (key.equals(Settings.PROPERTIES)) {
        readProperties(value, properties);
      } else if (Settings.SECTIONS.contains(key)) {
        if (value instanceof JsonObject inner) {
          readSection(inner, key, values, properties);
        } else if (value != null) {
          throw new ConfigError(key + ": must be a mapping of settings, as in config/takeover.yaml");
        }
      } else if (Settings.byKey(key) == null) {
        throw new ConfigError(key + ": unknown setting" + guess(key));
      } else if (value instanceof JsonArray list && Settings.LISTS.contains(key)) {
        List<String> items = new java.util.ArrayList<>();
        list.forEach(item -> items.add(scalar(key, item)));
        values.put(key, new Value(String.join(",", items), null));
      } else if (value != null) {
        values.put(key, new Value(scalar(key, value), null));
      }
    }
  }

  private static void readProperties(Object value, Map<String, Value> properties) {
    if (value == null) {
      return;
    }
    if (!(value instanceof JsonObject given)) {
      throw new ConfigError(Settings.PROPERTIES + ": must be a mapping of Kafka client properties, such as "
          + "bootstrap.servers: host:9092");
    }
    for (String name : given.fieldNames()) {
      Object text = given.getValue(name);
      properties.put(name, new Value(text == null ? "" : scalar(Settings.PROPERTIES + "." + name, text), null));
    }
  }

  /** A value as text; never shows the value itself in the error, which may be a secret. */
  private static String scalar(String key, Object value) {
    if (value instanceof JsonObject) {
      throw new ConfigError(key + ": must be a single value, not a mapping"
          + (key.startsWith(Settings.PROPERTIES) ? " (write the property's whole name as one key: bootstrap.servers)" : ""));
    }
    if (value instanceof JsonArray) {
      throw new ConfigError(key + ": must be a single value, not a list"
          + (key.startsWith(Settings.PROPERTIES) ? " (Kafka lists are comma-separated: a:9092,b:9092)" : ""));
    }
    return String.valueOf(value);
  }

  private static String guess(String key) {
    String rest = key.startsWith("kafka.") ? key.substring("kafka.".length()) : "";
    if (rest.contains(".") && !rest.startsWith("topics.")) {
      // kafka.bootstrap.servers: a Kafka property written one level too high.
      return " (did you mean " + Settings.PROPERTIES + "." + rest + "?)";
    }
    Set<String> known = new TreeSet<>(Settings.SECTIONS);
    known.add(Settings.PROPERTIES);
    Settings.ALL.forEach(s -> known.add(s.key()));
    String closest = Settings.closest(key, known);
    return closest == null ? "" : " (did you mean " + closest + "?)";
  }
}
