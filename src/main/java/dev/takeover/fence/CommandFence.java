package dev.takeover.fence;

import dev.takeover.engine.Fence;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The fencing hook as a command: {@code deadNodes.fencing.command} run as a process (no shell: an argument is one
 * argument, whatever it holds), {@code {node}} and {@code {ticket}} in its arguments replaced, the node, ticket and
 * reason in its environment too; exit 0 means the node is off. Its stdin is closed at once (a tool that asks
 * "are you sure?" gets end of input, not a hang); its stdout and stderr, merged, are kept bounded for the account.
 * A command that outlives the timeout is killed with every process it started.
 * <p>
 * Starting a process and killing one read /proc and fork: both run on a worker, never on the event loop; the wait is
 * {@link Process#onExit()} and a Vert.x timer. Messages name the executable, never the other arguments (one could
 * hold a password).
 */
final class CommandFence implements Fence {
  private static final Logger LOG = LoggerFactory.getLogger(CommandFence.class);
  /** After the command exited, how long its output may still take to arrive (a child it left may hold the pipe). */
  private static final long DRAIN_AFTER_EXIT_MS = 1000;

  private final Vertx vertx;
  private final List<String> command;
  private final Duration timeout;

  CommandFence(Vertx vertx, List<String> command, Duration timeout) {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("deadNodes.fencing.command is empty");
    }
    this.vertx = vertx;
    this.command = List.copyOf(command);
    this.timeout = timeout;
  }

  @Override
  public String describe() {
    return "command " + command.get(0);
  }

  /** The command's arguments for this call: each {@code {node}} and {@code {ticket}} replaced. */
  static List<String> arguments(List<String> command, String node, String ticketId) {
    return command.stream().map(a -> a.replace("{node}", node).replace("{ticket}", ticketId)).toList();
  }

  @Override
  public Future<String> powerOff(String node, String ticketId, String reason) {
    if (node == null || node.isBlank()) {
      return Future.failedFuture(new Fences.FenceFailed("fencing needs a node name"));
    }
    String ticket = ticketId == null ? "" : ticketId;
    Context context = vertx.getOrCreateContext();
    Promise<String> done = Promise.promise();
    long start = System.nanoTime();
    dev.takeover.logs.RunKeys keys = dev.takeover.logs.RunKeys.current();
    run(context, node, ticket, reason).onComplete(ar ->
        Fences.finish(LOG, context, describe(), node, ticket, start, ar, done, keys));
    return done.future();
  }

  private Future<String> run(Context context, String node, String ticketId, String reason) {
    Promise<String> outcome = Promise.promise();
    // Unordered: a fence may take minutes, and must not hold up the caller's other blocking work.
    context.<Running>executeBlocking(() -> start(node, ticketId, reason), false).onComplete(started -> {
      if (started.failed()) {
        outcome.fail(started.cause());
        return;
      }
      Running running = started.result();
      long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), t -> {
        if (outcome.tryFail(new Fences.FenceFailed("fencing command did not finish within " + timeout))) {
          context.executeBlocking(() -> kill(running.process()), false);
        }
      });
      running.process().onExit()
          .thenCompose(p -> running.drained().completeOnTimeout(null, DRAIN_AFTER_EXIT_MS, TimeUnit.MILLISECONDS))
          .whenComplete((v, e) -> context.runOnContext(x -> {
            vertx.cancelTimer(timer);
            int exit = running.process().exitValue();
            String output = running.output().text();
            if (exit == 0) {
              outcome.tryComplete(Fences.with(describe() + " exited 0", Fences.firstLine(output)));
            } else {
              outcome.tryFail(new Fences.FenceFailed(Fences.with("fencing command exited " + exit,
                  Fences.lastLine(output))));
            }
          }));
    });
    return outcome.future();
  }

  /** On a worker: starts the process, closes its stdin, and drains its output on a thread of its own. */
  private Running start(String node, String ticketId, String reason) {
    ProcessBuilder builder = new ProcessBuilder(arguments(command, node, ticketId)).redirectErrorStream(true);
    // The daemon's own settings stay with the daemon: TAKEOVER_* holds its secrets (the API token, Slack's signing
    // secret, the fencing token). The rest (PATH, HOME, a BMC password the hook needs) is the hook's environment.
    builder.environment().keySet().removeIf(k -> k.startsWith("TAKEOVER_"));
    builder.environment().put("TAKEOVER_NODE", node);
    builder.environment().put("TAKEOVER_TICKET", ticketId);
    builder.environment().put("TAKEOVER_REASON", reason == null ? "" : reason);
    Process process;
    try {
      process = builder.start();
    } catch (IOException | RuntimeException e) {
      throw new Fences.FenceFailed("fencing " + describe() + " cannot be started: " + whyNotStarted(e));
    }
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // the command closed it first or is gone already: either way it reads no input
    }
    Output output = new Output();
    CompletableFuture<Void> drained = new CompletableFuture<>();
    // A thread, not a worker: a child the command left behind may hold the pipe open for as long as it lives.
    Thread drain = new Thread(() -> {
      try (InputStream in = process.getInputStream()) {
        byte[] chunk = new byte[1024];
        for (int n; (n = in.read(chunk)) >= 0; ) {
          output.add(chunk, n);
        }
      } catch (IOException ignored) {
        // closed under us: what was read is what there is
      } finally {
        drained.complete(null);
      }
    }, "fence-output-" + node);
    drain.setDaemon(true);
    drain.start();
    return new Running(process, output, drained);
  }

  /** "No such file or directory" rather than Java's 'Cannot run program "…": error=2, No such file or directory'. */
  private static String whyNotStarted(Exception e) {
    Throwable why = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause() : e;
    String m = why.getMessage() == null ? why.getClass().getSimpleName() : why.getMessage();
    return Fences.clean(m.replaceFirst("^error=\\d+, ", ""));
  }

  /**
   * On a worker: kills the process and every process it started (listed first: once the parent is dead, its
   * children are no longer its descendants).
   */
  private static Void kill(Process process) {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
    return null;
  }

  private record Running(Process process, Output output, CompletableFuture<Void> drained) {}

  /** A command's output, bounded: its beginning (for the first line) and its last {@value #TAIL} bytes. */
  static final class Output {
    static final int HEAD = 512;
    static final int TAIL = 4096;
    private final byte[] head = new byte[HEAD];
    private int headLength;
    private final byte[] tail = new byte[TAIL];
    private long total;

    synchronized void add(byte[] chunk, int length) {
      for (int i = 0; i < length; i++) {
        if (headLength < HEAD) {
          head[headLength++] = chunk[i];
        }
        tail[(int) (total++ % TAIL)] = chunk[i];
      }
    }

    /** All of it when it fits, else its head and its tail on separate lines. */
    synchronized String text() {
      if (total <= HEAD) {
        return new String(head, 0, headLength, java.nio.charset.StandardCharsets.UTF_8);
      }
      int kept = (int) Math.min(total, TAIL);
      byte[] last = new byte[kept];
      for (int i = 0; i < kept; i++) {
        last[i] = tail[(int) ((total - kept + i) % TAIL)];
      }
      String end = new String(last, java.nio.charset.StandardCharsets.UTF_8);
      return total <= TAIL ? end : new String(head, 0, headLength, java.nio.charset.StandardCharsets.UTF_8)
          + "\n" + end;
    }
  }
}
