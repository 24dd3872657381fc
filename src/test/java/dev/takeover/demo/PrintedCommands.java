package dev.takeover.demo;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands the kept-running demo prints, found by their trailing comment and run as a shell runs them. */
final class PrintedCommands {
  private PrintedCommands() {}

  static boolean onPath(String tool) {
    for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(p, tool))) {
        return true;
      }
    }
    return false;
  }

  /** The printed command of the line that has {@code marker}, without its trailing comment. */
  static String command(String printed, String marker) {
    String line = printed.lines().filter(l -> l.contains(marker)).findFirst()
        .orElseThrow(() -> new AssertionError("no line with '" + marker + "' in:\n" + printed));
    int comment = line.indexOf("      #");
    return (comment < 0 ? line : line.substring(0, comment)).trim();
  }

  /** Runs {@code command} with bash; fails unless it exits 0 within 60 s. Returns what it printed. */
  static String shell(String command) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
    byte[] bytes = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + " did not finish");
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), command + ":\n" + text);
    return text;
  }
}
