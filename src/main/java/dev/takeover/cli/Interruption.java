package dev.takeover.cli;

import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * Follows a run from its events so that, if the process is stopped (Ctrl-C, SIGTERM) in the middle, the last
 * thing it prints says what state the node was left in and how to go on — never a node left cordoned silently.
 */
final class Interruption implements Consumer<JsonObject> {
  private volatile String node;
  private volatile String run;
  private volatile String step = "";
  private volatile boolean cordonStarted;
  private volatile boolean cordoned;
  private volatile boolean finished;

  @Override
  public void accept(JsonObject e) {
    node = e.getString("node");
    run = e.getString("run");
    switch (e.getString("type")) {
      case "takeover.step.started" -> {
        step = e.getString("step");
        cordonStarted |= "cordon".equals(step);
      }
      case "takeover.step.finished" -> {
        if ("cordon".equals(e.getString("step"))) {
          cordoned = true;
        }
        if ("uncordon".equals(e.getString("step"))) {
          cordoned = false;
        }
      }
      case "takeover.run.finished" -> finished = true;
      default -> { }
    }
  }

  /** What to say when the process stops before the run ended; nothing once it ended or before it touched the node. */
  void report(PrintStream err) {
    if (finished || node == null || !cordonStarted) {
      return;
    }
    err.println("takeover: interrupted at step " + step + " of run " + run + ": " + node
        + (cordoned ? " stays cordoned" : " may be cordoned") + ", with Takeover's record on it. Run the same command"
        + " again to finish the takeover, or release the node: takeover release --node " + node);
    err.flush();
  }
}
