package dev.takeover.schedule;

import dev.takeover.ticket.Ticket;
import dev.takeover.ticket.Ticket.Kind;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The inputs a schedule test gives and the effects it reads, shared by the schedule's tests. */
final class ScheduleSteps {
  private ScheduleSteps() {}

  static Ticket ticket(String id, String node, Kind kind, String requester, Ticket.Window window) {
    return new Ticket(id, node, kind, Ticket.Options.defaults(), "kafka", requester, "", window, null);
  }

  static Ticket cancel(String id, String target) {
    return new Ticket(id, "kube-node02", Kind.CANCEL, Ticket.Options.defaults(), "kafka", "", "", null, target);
  }

  static List<Effect> submit(Schedule s, Ticket t) {
    List<Effect> out = new ArrayList<>();
    s.submit(t, t.toString(), "tickets-0@" + t.id(), out);
    return out;
  }

  static List<Effect> evaluate(Schedule s) {
    List<Effect> out = new ArrayList<>();
    s.evaluate(Set.of(), out);
    return out;
  }

  static List<Effect> cordonDone(Schedule s, String run) {
    List<Effect> out = new ArrayList<>();
    s.onRunEvent(new JsonObject().put("type", "takeover.step.finished").put("run", run).put("step", "cordon"), Set.of(), out);
    return out;
  }

  static List<Effect> finished(Schedule s, String run, String status, String nodeLeft) {
    List<Effect> out = new ArrayList<>();
    s.onRunEvent(new JsonObject().put("type", "takeover.run.finished").put("run", run).put("status", status)
        .put("nodeLeft", nodeLeft).put("reason", status), Set.of(), out);
    return out;
  }

  /** The run id of the first run started among the effects, or null. */
  static String runId(List<Effect> effects) {
    return effects.stream().filter(Effect.Start.class::isInstance).map(e -> ((Effect.Start) e).entry().runId)
        .findFirst().orElse(null);
  }

  static List<String> emitted(List<Effect> effects, String ticket) {
    return effects.stream().filter(Effect.Emit.class::isInstance).map(Effect.Emit.class::cast)
        .filter(e -> e.entry().id().equals(ticket)).map(Effect.Emit::type).toList();
  }

  /** The data of the last event emitted for {@code ticket}. */
  static JsonObject last(List<Effect> effects, String ticket) {
    return effects.stream().filter(Effect.Emit.class::isInstance).map(Effect.Emit.class::cast)
        .filter(e -> e.entry().id().equals(ticket)).reduce((a, b) -> b).map(Effect.Emit::data).orElseThrow();
  }

  static String reason(List<Effect> effects, String ticket) {
    return effects.stream().filter(Effect.Emit.class::isInstance).map(Effect.Emit.class::cast)
        .filter(e -> e.entry().id().equals(ticket)).reduce((a, b) -> b).map(e -> e.data().getString("reason", ""))
        .orElse("(no event of " + ticket + ")");
  }
}
