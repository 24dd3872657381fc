package dev.takeover.cli;

import dev.takeover.config.EngineConfig;
import dev.takeover.config.FailurePolicy;
import dev.takeover.ticket.Ticket;
import dev.takeover.ticket.TicketRejected;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** Parses the arguments of target/takeover.jar into a {@link Command}; pure, so it is tested without a cluster. */
public final class CommandLine {

  public static final String USAGE = """
      Usage:
        takeover run --node NODE [options]     cordon, drain, confirm every StatefulSet pod moved with its volume, uncordon
        takeover release --node NODE           uncordon a node that a run kept cordoned (--keep-cordoned)
        takeover daemon [--config FILE]        run the daemon: tickets from Kafka, events back to Kafka
                        [--kubeconfig FILE]   (settings: config/takeover.yaml and TAKEOVER_* variables)
        takeover --help | --version

      Options of run:
        --dry-run                     print the plan and change nothing
        --keep-cordoned               the maintenance continues: leave the node cordoned after the pods moved
        --drain-timeout DURATION      evictions (PDB waits included) and deletions, default 10m (PT10M works too)
        --confirm-timeout DURATION    moved StatefulSet pods Ready elsewhere, default 10m
        --delete-emptydir-data        evict pods that use emptyDir (their data is lost)
        --force                       evict pods that no controller will recreate
        --allow-local-volumes         evict pods whose volume is pinned to this node (they will stay Pending)
        --allow-control-plane         allow a control-plane node
        --max-nodes-in-maintenance N  cordoned nodes allowed at once, this one included, default 1
        --on-failure POLICY           uncordon (default) or keep-cordoned, when drain or confirm fails
        --reason TEXT                 why, shown in events
        --requester NAME              who asks, shown in events (default: $USER)
      Options of both:
        --kubeconfig PATH             default: $KUBECONFIG, then ~/.kube/config, then in-cluster credentials
        --context NAME                kubeconfig context
        --verbose                     log the engine's own lines too

      Exit codes: 0 done (or planned, for --dry-run), 1 failed, 2 wrong arguments or no cluster, 3 refused.
      """;

  private CommandLine() {}

  /** @throws UsageError with a one-line message */
  public static Command parse(List<String> args, String defaultRequester) {
    Deque<String> in = new ArrayDeque<>(args);
    if (in.isEmpty()) {
      throw new UsageError("no command given");
    }
    String verb = in.removeFirst();
    switch (verb) {
      case "--help", "-h", "help" -> {
        return new Command.Help();
      }
      case "--version", "version" -> {
        return new Command.Version();
      }
      case "run", "release" -> {
        return execute(verb, in, defaultRequester);
      }
      default -> throw new UsageError("unknown command '" + verb + "' (expected run or release)");
    }
  }

  private static Command execute(String verb, Deque<String> in, String defaultRequester) {
    String node = null;
    String reason = "";
    String requester = defaultRequester;
    String context = null;
    Path kubeconfig = null;
    boolean dryRun = false, keep = false, emptyDir = false, force = false, localVolumes = false, controlPlane = false;
    boolean verbose = false;
    Duration drainTimeout = null, confirmTimeout = null;
    EngineConfig config = EngineConfig.defaults();
    boolean release = verb.equals("release");
    while (!in.isEmpty()) {
      String arg = in.removeFirst();
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        inline = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      if (release && !List.of("--node", "--kubeconfig", "--context", "--reason", "--requester", "--verbose", "--help")
          .contains(arg)) {
        throw new UsageError("release takes --node (and --kubeconfig, --context, --reason, --requester), not " + arg);
      }
      switch (arg) {
        case "--node" -> node = value(arg, inline, in);
        case "--dry-run" -> dryRun = true;
        case "--keep-cordoned" -> keep = true;
        case "--delete-emptydir-data" -> emptyDir = true;
        case "--force" -> force = true;
        case "--allow-local-volumes" -> localVolumes = true;
        case "--allow-control-plane" -> controlPlane = true;
        case "--verbose" -> verbose = true;
        case "--drain-timeout" -> drainTimeout = duration(arg, value(arg, inline, in));
        case "--confirm-timeout" -> confirmTimeout = duration(arg, value(arg, inline, in));
        case "--max-nodes-in-maintenance" -> config = config.withMaxNodesInMaintenance(positive(arg, value(arg, inline, in)));
        case "--on-failure" -> config = config.withOnFailure(policy(value(arg, inline, in)));
        case "--reason" -> reason = value(arg, inline, in);
        case "--requester" -> requester = value(arg, inline, in);
        case "--kubeconfig" -> kubeconfig = Path.of(value(arg, inline, in));
        case "--context" -> context = value(arg, inline, in);
        case "--help", "-h" -> {
          return new Command.Help();
        }
        default -> throw new UsageError("unknown option " + arg);
      }
    }
    if (node == null) {
      throw new UsageError(verb + " needs --node NODE");
    }
    try {
      Ticket ticket = release ? Ticket.release(node, "cli", requester, reason)
          : Ticket.takeover(node, new Ticket.Options(dryRun, keep, emptyDir, force, localVolumes, controlPlane,
              drainTimeout, confirmTimeout), "cli", requester, reason);
      return new Command.Execute(ticket, config, kubeconfig, context, verbose);
    } catch (TicketRejected e) {
      throw new UsageError(e.getMessage());
    }
  }

  private static String value(String option, String inline, Deque<String> in) {
    if (inline != null) {
      return inline;
    }
    if (in.isEmpty() || in.peekFirst().startsWith("--")) {
      throw new UsageError(option + " needs a value");
    }
    return in.removeFirst();
  }

  private static Duration duration(String option, String text) {
    try {
      Duration d = Durations.parse(text);
      if (d.isZero()) {
        throw new UsageError(option + " must be more than zero");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw new UsageError(option + ": " + e.getMessage());
    }
  }

  private static int positive(String option, String text) {
    try {
      int n = Integer.parseInt(text);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageError(option + " needs a whole number of at least 1, got '" + text + "'");
    }
  }

  private static FailurePolicy policy(String text) {
    return switch (text) {
      case "uncordon" -> FailurePolicy.UNCORDON;
      case "keep-cordoned" -> FailurePolicy.KEEP_CORDONED;
      default -> throw new UsageError("--on-failure is uncordon or keep-cordoned, not '" + text + "'");
    };
  }
}
