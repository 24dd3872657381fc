package dev.takeover.sim.kubectl;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real kubectl against a simulated server: a kubeconfig in a temporary directory (plain http, no
 * credentials), its own discovery cache and HOME, every run bounded by a timeout.
 */
final class Kubectl {
  private static final long TIMEOUT_SECONDS = 30;

  /** What one kubectl run printed. */
  record Result(int exitCode, String stdout, String stderr, String command) {
    /** The output, or a failure that shows the command and its stderr. */
    String output() {
      if (exitCode != 0) {
        throw new AssertionError(command + " exited " + exitCode + "\n--- stderr\n" + stderr + "\n--- stdout\n"
            + stdout);
      }
      return stdout;
    }
  }

  private final Path home;
  private final Path kubeconfig;

  Kubectl(Path tempDir, String serverUrl) {
    this.home = tempDir;
    this.kubeconfig = tempDir.resolve("kubeconfig");
    String config = String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: simulated",
        "  cluster:",
        "    server: " + serverUrl,
        "contexts:",
        "- name: simulated",
        "  context:",
        "    cluster: simulated",
        "    user: nobody",
        "    namespace: default",
        "current-context: simulated",
        "users:",
        "- name: nobody",
        "  user: {}",
        "");
    try {
      Files.writeString(kubeconfig, config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Skips the calling test, saying why, when there is no kubectl to run. */
  static void assumeInstalled() {
    String found = which();
    Assumptions.assumeTrue(found != null, "kubectl not on PATH: " + System.getenv("PATH"));
  }

  Result run(String... args) {
    List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig=" + kubeconfig,
        "--cache-dir=" + home.resolve("cache"), "--request-timeout=10s"));
    command.addAll(List.of(args));
    try {
      File out = home.resolve("stdout").toFile();
      File err = home.resolve("stderr").toFile();
      ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out).redirectError(err);
      builder.environment().put("HOME", home.toString());
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      Process process = builder.start();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " still running after " + TIMEOUT_SECONDS + " s\n"
            + "--- stderr\n" + Files.readString(err.toPath(), StandardCharsets.UTF_8));
      }
      return new Result(process.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
          Files.readString(err.toPath(), StandardCharsets.UTF_8), String.join(" ", command));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + command, e);
    }
  }

  private static String which() {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File candidate = new File(dir, "kubectl");
      if (candidate.canExecute()) {
        return candidate.getPath();
      }
    }
    return null;
  }
}
