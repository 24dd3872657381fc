package dev.takeover.cli;

import dev.takeover.engine.Engine;
import dev.takeover.engine.Outcome;
import dev.takeover.engine.events.EventStream;
import dev.takeover.kube.Kube;
import dev.takeover.kube.KubeFailure;
import dev.takeover.subscribers.KubeEventRecorder;
import io.fabric8.kubernetes.client.Config;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The one-shot mode: one ticket against the cluster of KUBECONFIG (or in-cluster credentials), printed as it
 * happens; the exit code says how it ended.
 */
public final class OneShot {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;
  public static final int REFUSED = 3;

  private OneShot() {}

  public static int run(Command.Execute cmd, PrintStream out, PrintStream err) {
    Config config;
    try {
      config = clientConfig(cmd);
    } catch (IOException | RuntimeException e) {
      err.println("takeover: cannot read the kubeconfig: " + oneLine(e));
      return USAGE;
    }
    Vertx vertx = Vertx.vertx();
    Kube kube = Kube.connect(vertx, config, cmd.config().kubeWorkers(), instance());
    Engine engine = null;
    KubeEventRecorder recorder = null;
    try {
      EventStream events = new EventStream(vertx);
      ProgressPrinter printer = new ProgressPrinter(out);
      MessageConsumer<JsonObject> printing = events.subscribe(printer);
      Interruption interruption = new Interruption();
      events.subscribe(interruption);
      java.util.concurrent.atomic.AtomicReference<Engine> running = new java.util.concurrent.atomic.AtomicReference<>();
      Thread onStop = new Thread(() -> {
        interruption.report(err);
        // Let go of the node's Lease, so that a run started right after this one is not refused for its 15 s: once
        // the run has stopped writing (halted at its next safe point, up to 2 s), then whatever is still held.
        Engine e = running.get();
        if (e != null) {
          try {
            e.halt("interrupted", java.time.Duration.ofSeconds(2)).transform(x -> e.letGo()).await(4, TimeUnit.SECONDS);
          } catch (Exception x) {
            // Exiting anyway: the Lease runs out by itself.
          }
        }
      }, "takeover-interrupted");
      Runtime.getRuntime().addShutdownHook(onStop);
      recorder = new KubeEventRecorder(kube, events);
      try {
        kube.calls().reach().await(30, TimeUnit.SECONDS);
        engine = Engine.start(vertx, kube, cmd.config(), events, Clock.systemUTC()).await(60, TimeUnit.SECONDS);
        running.set(engine);
      } catch (Exception e) {
        err.println("takeover: cannot reach the Kubernetes API at " + config.getMasterUrl() + ": " + oneLine(e)
            + " (set KUBECONFIG or --kubeconfig)");
        return USAGE;
      }
      Future<Void> recorded = recorder.recorded(cmd.ticket().id());
      Outcome outcome = engine.submit(cmd.ticket()).await();
      // Let the printer and the event recorder finish before the process ends.
      try {
        Future.join(printer.finished(), recorded).await(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        err.println("takeover: the run ended, but some of its Kubernetes Events were not written within 30 s");
      }
      printing.unregister();
      removeHook(onStop);
      return switch (outcome.status()) {
        case SUCCEEDED, PLANNED -> OK;
        case REFUSED -> REFUSED;
        case FAILED, CANCELLED -> FAILED;
      };
    } catch (Exception e) {
      err.println("takeover: " + oneLine(e));
      return FAILED;
    } finally {
      if (recorder != null) {
        recorder.close();
      }
      if (engine != null) {
        engine.close();
      }
      kube.close();
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Exiting anyway: nothing left to save.
      }
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook runs and has nothing to say, the run having finished.
    }
  }

  private static Config clientConfig(Command.Execute cmd) throws IOException {
    if (cmd.kubeconfig() != null) {
      String text = Files.readString(cmd.kubeconfig());
      return Config.fromKubeconfig(cmd.context(), text, cmd.kubeconfig().toString());
    }
    return Config.autoConfigure(cmd.context());
  }

  /**
   * Who this CLI is, to the cluster: the holder named on a node's Lease when another run asks for the node
   * ("takeover-cli alice@laptop pid 4242/9f3c"), and the reporting instance of its Events.
   */
  static String instance() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        host = "localhost";
      }
    }
    // The pid alone would not tell two runs apart where every process is pid 1 (a CLI in a container): a nonce does.
    return "takeover-cli " + System.getProperty("user.name", "someone") + "@" + host + " pid "
        + ProcessHandle.current().pid() + "/" + java.util.HexFormat.of().toHexDigits(
            (short) java.util.concurrent.ThreadLocalRandom.current().nextInt());
  }

  static String oneLine(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException
        || t.getMessage() == null) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof KubeFailure) {
      return t.getMessage();
    }
    String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = msg.indexOf('\n');
    return nl < 0 ? msg : msg.substring(0, nl);
  }
}
