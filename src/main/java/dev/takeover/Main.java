package dev.takeover;

import dev.takeover.cli.Command;
import dev.takeover.cli.CommandLine;
import dev.takeover.cli.OneShot;
import dev.takeover.cli.UsageError;
import dev.takeover.logs.LogFormat;

import java.io.PrintStream;
import java.util.List;

/** Entry point of target/takeover.jar: the daemon ({@code takeover daemon --config FILE}) and the one-shot command line. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command line; returns the exit code. Never throws at the user. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0 && args[0].equals("daemon")) {
      // A daemon's log is its progress report (each ticket, each step): INFO unless the operator says otherwise.
      // Set before the first logger exists, so logback reads it when it configures itself.
      if (System.getProperty("takeover.log.level") == null) {
        System.setProperty("takeover.log.level", "INFO");
      }
      // JSON until the settings say otherwise (log.format), so that a collector reads even the first lines; a
      // daemon's plain lines carry the date, a command's only the time.
      if (System.getProperty(LogFormat.PROPERTY) == null) {
        System.setProperty(LogFormat.PROPERTY, LogFormat.JSON.appender());
      }
      if (System.getProperty("takeover.log.time") == null) {
        System.setProperty("takeover.log.time", "yyyy-MM-dd HH:mm:ss.SSS");
      }
      return dev.takeover.daemon.DaemonCommand.run(List.of(args).subList(1, args.length), err);
    }
    Command command;
    try {
      command = CommandLine.parse(List.of(args), System.getProperty("user.name", ""));
    } catch (UsageError e) {
      err.println("takeover: " + e.getMessage());
      err.println("Run 'takeover --help' for usage.");
      return OneShot.USAGE;
    }
    if (command instanceof Command.Help) {
      out.print(CommandLine.USAGE);
      return OneShot.OK;
    }
    if (command instanceof Command.Version) {
      Package p = Main.class.getPackage();
      out.println("takeover " + (p.getImplementationVersion() == null ? "dev" : p.getImplementationVersion()));
      return OneShot.OK;
    }
    Command.Execute execute = (Command.Execute) command;
    if (execute.verbose()) {
      System.setProperty("takeover.log.level", "INFO");
      System.setProperty("takeover.fabric8.log.level", "WARN");
    }
    return OneShot.run(execute, out, err);
  }
}
