package dev.takeover.daemon;

import dev.takeover.kube.Kube;
import io.fabric8.kubernetes.client.Config;
import dev.takeover.metrics.Metrics;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code takeover daemon [--config FILE] [--kubeconfig FILE]}: loads the configuration (file, then environment),
 * talks to Kubernetes with the kubeconfig given, else KUBECONFIG, else in-cluster credentials, starts the
 * {@link Daemon} and runs until SIGTERM, on which it stops reading tickets and leaves runs in progress resumable.
 * A bad setting stops it at start with one line.
 */
public final class DaemonCommand {
  public static final String USAGE = "takeover daemon [--config config/takeover.yaml] [--kubeconfig FILE]";
  private static final Logger LOG = LoggerFactory.getLogger(DaemonCommand.class);

  private DaemonCommand() {}

  /** The daemon did not start; {@code code} is the exit code (2: bad arguments or settings, 1: could not start). */
  public static final class NotStarted extends Exception {
    public final int code;

    NotStarted(int code, String line) {
      super(line, null, false, false);
      this.code = code;
    }
  }

  /** A started daemon with what it holds; {@link #close()} stops it as SIGTERM does. */
  public record Running(Vertx vertx, Kube kube, Daemon daemon, DaemonConfig config) implements AutoCloseable {
    @Override
    public void close() {
      LOG.info("stopping: no new tickets; runs in progress are resumed by the next start");
      try {
        daemon.stop().await(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("stop not finished within 20 s: {}", Daemon.oneLine(e));
      }
      kube.close();
      try {
        vertx.close().await(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // exiting anyway
      }
    }
  }

  /** Returns the exit code; blocks the calling (main) thread until the daemon is stopped by SIGTERM. */
  public static int run(List<String> args, PrintStream err) {
    Running running;
    try {
      running = start(args, System.getenv());
    } catch (NotStarted e) {
      err.println("takeover: " + e.getMessage());
      return e.code;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      stopped.countDown();
    }, "takeover-stop"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** Starts the daemon and returns once it reads tickets; the caller closes it. */
  public static Running start(List<String> args, Map<String, String> env) throws NotStarted {
    Path file = null;
    Path kubeconfig = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String option = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (!option.equals("--config") && !option.equals("--kubeconfig")) {
        throw new NotStarted(2, "daemon takes --config FILE and --kubeconfig FILE, not " + a + "; usage: " + USAGE);
      }
      String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : i + 1 < args.size() ? args.get(++i) : null;
      // "--config" last, or "--config=": said as such, rather than "not --config" or "file '' could not be read".
      if (value == null || value.isBlank()) {
        throw new NotStarted(2, option + " needs a FILE; usage: " + USAGE);
      }
      if (option.equals("--config")) {
        file = Path.of(value);
      } else {
        kubeconfig = Path.of(value);
      }
    }
    Metrics metrics = Metrics.create();
    Vertx vertx = metrics.vertx();
    DaemonConfig config;
    try {
      config = DaemonConfigLoader.load(vertx, file, env).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new NotStarted(2, Daemon.oneLine(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e));
    }
    // Before anything else is logged: the lines of this start already look as the operator asked.
    config.logFormat().apply();
    Kube kube;
    try {
      kube = Kube.connect(vertx, kubernetes(kubeconfig), config.engine().kubeWorkers(), config.instance());
    } catch (IOException | RuntimeException e) {
      vertx.close();
      throw new NotStarted(2, "no Kubernetes credentials (give --kubeconfig, set KUBECONFIG, or run in a pod): "
          + Daemon.oneLine(e));
    }
    LOG.info("starting: instance {}, Kafka {}, topics {}", config.instance(),
        config.kafka().redacted().get("bootstrap.servers"), config.kafka().topics());
    try {
      Daemon daemon = Daemon.start(vertx, config, kube, Clock.systemUTC(), metrics).await(10, TimeUnit.MINUTES);
      return new Running(vertx, kube, daemon, config);
    } catch (Exception e) {
      kube.close();
      vertx.close();
      throw new NotStarted(1, "the daemon did not start: " + Daemon.oneLine(e));
    }
  }

  private static Config kubernetes(Path kubeconfig) throws IOException {
    if (kubeconfig == null) {
      return Config.autoConfigure(null);
    }
    return Config.fromKubeconfig(null, Files.readString(kubeconfig, StandardCharsets.UTF_8), kubeconfig.toString());
  }
}
