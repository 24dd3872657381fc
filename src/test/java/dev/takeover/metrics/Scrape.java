package dev.takeover.metrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of {@code /metrics} in the Prometheus text format, read as Prometheus reads it: samples of a name
 * with labels, and their values. Tests ask it for a sample by name and some of its labels.
 */
public record Scrape(String text, List<Sample> samples) {
  private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: \\d+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  public record Sample(String name, Map<String, String> labels, double value) {}

  public static Scrape parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("not a Prometheus sample line: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return new Scrape(text, samples);
  }

  /** GETs the URL (a real HTTP request) and parses the answer; fails on a status other than 200. */
  public static Scrape get(HttpClient http, String url) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET()
          .build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError("GET " + url + ": " + r.statusCode() + " " + r.body());
      }
      if (!r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain")) {
        throw new AssertionError("GET " + url + ": Content-Type " + r.headers().firstValue("Content-Type"));
      }
      return parse(r.body());
    } catch (java.io.IOException | InterruptedException e) {
      throw new AssertionError("GET " + url + ": " + e, e);
    }
  }

  /** Scrapes until {@code until} holds, within the bound; the last scrape (the caller asserts on it). */
  public static Scrape await(HttpClient http, String url, Predicate<Scrape> until, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    Scrape s = get(http, url);
    while (!until.test(s) && System.nanoTime() < deadline) {
      s = get(http, url);
    }
    return s;
  }

  /** The value of the sample of that name with (at least) these labels, given as name, value, ...; NaN if none. */
  public double value(String name, String... labels) {
    return matching(name, labels).stream().mapToDouble(Sample::value).findFirst().orElse(Double.NaN);
  }

  public boolean has(String name, String... labels) {
    return !matching(name, labels).isEmpty();
  }

  public List<Sample> matching(String name, String... labels) {
    return samples.stream().filter(s -> s.name().equals(name)).filter(s -> {
      for (int i = 0; i + 1 < labels.length; i += 2) {
        if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
          return false;
        }
      }
      return true;
    }).toList();
  }

  /** The lines of series whose names start with the prefix, for an assertion's message. */
  public String lines(String prefix) {
    return String.join("\n", text.lines().filter(l -> l.startsWith(prefix)).toList());
  }
}
