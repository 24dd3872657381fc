package dev.takeover.image;

import io.vertx.core.json.JsonArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * src/main/docker/Dockerfile read as the builder reads it: comment lines dropped, continuation lines joined, one
 * {@link Instruction} per line, the {@code ARG} defaults before {@code FROM} substituted into it; and its
 * {@code Dockerfile.dockerignore}, applied as the builder applies it to the build context.
 */
record Dockerfile(List<Instruction> instructions, Map<String, String> args, List<String> ignore) {
  static final Path FILE = Path.of("src/main/docker/Dockerfile");
  static final Path IGNORE = Path.of("src/main/docker/Dockerfile.dockerignore");

  /** One instruction: its keyword in upper case and the rest of its line(s). */
  record Instruction(String keyword, String rest) {
    /** The exec (JSON array) form's arguments; fails for the shell form, whose process is a shell, not java. */
    List<String> execForm() {
      if (!rest.startsWith("[")) {
        throw new AssertionError(keyword + " is in shell form (" + rest + "): the shell would be PID 1 and swallow SIGTERM");
      }
      return new JsonArray(rest).stream().map(String::valueOf).toList();
    }
  }

  static Dockerfile read() throws IOException {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(FILE, StandardCharsets.UTF_8)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || trimmed.isEmpty() && current.isEmpty()) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      current.append(trimmed);
      String text = current.toString().strip();
      current.setLength(0);
      if (!text.isEmpty()) {
        int space = text.indexOf(' ');
        instructions.add(new Instruction(text.substring(0, space).toUpperCase(Locale.ROOT), text.substring(space + 1).strip()));
      }
    }
    Map<String, String> args = new LinkedHashMap<>();
    for (Instruction i : instructions) {
      if (i.keyword().equals("ARG") && i.rest().contains("=")) {
        args.put(i.rest().substring(0, i.rest().indexOf('=')), i.rest().substring(i.rest().indexOf('=') + 1));
      }
    }
    List<String> ignore = Files.exists(IGNORE) ? Files.readAllLines(IGNORE, StandardCharsets.UTF_8).stream()
        .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList() : List.of();
    return new Dockerfile(instructions, args, ignore);
  }

  List<Instruction> all(String keyword) {
    return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
  }

  /** The last instruction of that keyword (the one that counts for USER, ENTRYPOINT, CMD). */
  Instruction last(String keyword) {
    List<Instruction> found = all(keyword);
    if (found.isEmpty()) {
      throw new AssertionError("the Dockerfile has no " + keyword);
    }
    return found.get(found.size() - 1);
  }

  /** The image the final stage starts from, with {@code ${ARG}} replaced by the argument's default. */
  String baseImage() {
    String from = last("FROM").rest().split("\\s+")[0];
    for (Map.Entry<String, String> a : args.entrySet()) {
      from = from.replace("${" + a.getKey() + "}", a.getValue()).replace("$" + a.getKey(), a.getValue());
    }
    return from;
  }

  /** COPY's source → destination, for the single-source copies from the build context. */
  Map<String, String> copies() {
    Map<String, String> copies = new LinkedHashMap<>();
    for (Instruction c : all("COPY")) {
      String[] words = c.rest().split("\\s+");
      List<String> plain = List.of(words).stream().filter(w -> !w.startsWith("--")).toList();
      if (plain.size() == 2 && List.of(words).stream().noneMatch(w -> w.startsWith("--from"))) {
        copies.put(plain.get(0), plain.get(1));
      }
    }
    return copies;
  }

  /**
   * Whether the builder sends {@code path} (relative to the context, with /) under the ignore file: the last
   * pattern that matches the path or one of its parent directories decides, a {@code !} pattern sending it.
   */
  boolean sent(String path) {
    boolean sent = true;
    for (String pattern : ignore) {
      boolean include = pattern.startsWith("!");
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + (include ? pattern.substring(1) : pattern));
      Path p = Path.of(path);
      for (Path prefix = p; prefix != null; prefix = prefix.getParent()) {
        if (m.matches(prefix)) {
          sent = include;
          break;
        }
      }
    }
    return sent;
  }
}
