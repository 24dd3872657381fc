package dev.takeover.daemon;

import dev.takeover.kube.Kube;
import io.fabric8.kubernetes.client.Config;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code takeover daemon [--config FILE]}: loads the configuration (file, then environment), talks to Kubernetes
 * with KUBECONFIG or in-cluster credentials, starts the {@link Daemon} and runs until SIGTERM, on which it stops
 * reading tickets and leaves runs in progress resumable. A bad setting stops it at start with one line.
 */
public final class DaemonCommand {
  public static final String USAGE = "takeover daemon [--config config/takeover.yaml]";
  private static final Logger LOG = LoggerFactory.getLogger(DaemonCommand.class);

  private DaemonCommand() {}

  /** Returns the exit code; blocks the calling (main) thread until the daemon is stopped. */
  public static int run(List<String> args, PrintStream err) {
    Path file = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String name = a.equals("--config") && i + 1 < args.size() ? args.get(++i)
          : a.startsWith("--config=") ? a.substring("--config=".length()) : null;
      if (a.equals("--config") || a.startsWith("--config=")) {
        // "--config" last, or "--config=": said as such, rather than "not --config" or "config file : could not be read".
        if (name == null || name.isBlank()) {
          err.println("takeover: --config needs a FILE; usage: " + USAGE);
          return 2;
        }
        file = Path.of(name);
      } else {
        err.println("takeover: daemon takes --config FILE, not " + a + "; usage: " + USAGE);
        return 2;
      }
    }
    Vertx vertx = Vertx.vertx();
    DaemonConfig config;
    try {
      config = DaemonConfigLoader.load(vertx, file, System.getenv()).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      err.println("takeover: " + Daemon.oneLine(e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
          ? e.getCause() : e));
      vertx.close();
      return 2;
    }
    Kube kube;
    try {
      kube = Kube.connect(vertx, Config.autoConfigure(null), config.engine().kubeWorkers(), config.instance());
    } catch (RuntimeException e) {
      err.println("takeover: no Kubernetes credentials (set KUBECONFIG, or run in a pod): " + Daemon.oneLine(e));
      vertx.close();
      return 2;
    }
    LOG.info("starting: instance {}, Kafka {}, topics {}", config.instance(),
        config.kafka().redacted().get("bootstrap.servers"), config.kafka().topics());
    Daemon daemon;
    try {
      daemon = Daemon.start(vertx, config, kube, Clock.systemUTC()).await(10, TimeUnit.MINUTES);
    } catch (Exception e) {
      err.println("takeover: the daemon did not start: " + Daemon.oneLine(e));
      kube.close();
      vertx.close();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
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
      stopped.countDown();
    }, "takeover-stop"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
