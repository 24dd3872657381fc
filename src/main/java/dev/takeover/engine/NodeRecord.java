package dev.takeover.engine;

import io.fabric8.kubernetes.api.model.Node;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What Takeover writes on the Node it works on, so that the node itself says who cordoned it and why, and a
 * restarted daemon (or a second command) can pick up a run that was cut off.
 * <p>Beside the record, {@value #CONFIRM} lists the StatefulSet pods the run must confirm elsewhere (uid, claims and
 * volumes), written before any of them is evicted: a run cut off right after an eviction, before anything else was
 * recorded, leaves the node saying which pods still need their confirmation, and the run that takes over does it.
 *
 * @param run        the run that wrote it
 * @param ticket     the ticket it served
 * @param step       the step it was at; {@code held} once the pods moved and the maintenance continues,
 *                   {@code failed} when a failure left the node cordoned for a human
 * @param cordonedByTakeover true when Takeover made the node unschedulable; false when it already was
 *                   (someone else cordoned it, so Takeover must never uncordon it)
 * @param requester  who asked
 * @param since      when the run started
 */
public record NodeRecord(String run, String ticket, String step, boolean cordonedByTakeover, String requester,
                         Instant since) {

  public static final String PREFIX = "takeover.dev/";
  public static final String RUN = PREFIX + "run";
  public static final String TICKET = PREFIX + "ticket";
  public static final String STEP = PREFIX + "step";
  public static final String CORDONED = PREFIX + "cordoned-by-takeover";
  public static final String REQUESTER = PREFIX + "requester";
  public static final String SINCE = PREFIX + "since";
  public static final String CONFIRM = PREFIX + "confirm";
  /**
   * On a node Takeover tainted out-of-service to recover it: the ticket that did. Only a taint so marked is removed
   * by Takeover when the node is Ready again; one an operator put there is theirs.
   */
  public static final String OUT_OF_SERVICE = PREFIX + "out-of-service";
  public static final String HELD = "held";
  public static final String FAILED = "failed";

  /** The record on this node, or null when Takeover has none there. */
  public static NodeRecord read(Node node) {
    Map<String, String> a = node.getMetadata().getAnnotations();
    if (a == null || a.get(RUN) == null) {
      return null;
    }
    Instant since;
    try {
      since = Instant.parse(a.getOrDefault(SINCE, ""));
    } catch (RuntimeException e) {
      since = null;
    }
    return new NodeRecord(a.get(RUN), a.get(TICKET), a.get(STEP), "true".equals(a.get(CORDONED)),
        a.getOrDefault(REQUESTER, ""), since);
  }

  /** The annotations that write this record. */
  public Map<String, String> annotations() {
    Map<String, String> a = new HashMap<>();
    a.put(RUN, run);
    a.put(TICKET, ticket);
    a.put(STEP, step);
    a.put(CORDONED, Boolean.toString(cordonedByTakeover));
    a.put(REQUESTER, requester);
    a.put(SINCE, since == null ? null : since.toString());
    return a;
  }

  /** The annotations (all null) that erase the record in a merge patch. */
  public static Map<String, String> erased() {
    Map<String, String> a = new HashMap<>();
    for (String k : new String[] {RUN, TICKET, STEP, CORDONED, REQUESTER, SINCE, CONFIRM}) {
      a.put(k, null);
    }
    return a;
  }

  public NodeRecord atStep(String s) {
    return new NodeRecord(run, ticket, s, cordonedByTakeover, requester, since);
  }

  /**
   * True while the node is under a maintenance: a run works on it, or holds it drained. Not for a {@code failed}
   * record: no run follows that node any more (it waits for a human), so if it dies with StatefulSet pods still on
   * it (the drain that failed left them there), it is a dead node like any other, reported and recoverable.
   */
  public boolean underMaintenance() {
    return !FAILED.equals(step);
  }

  /** True when the record is of a run that was still working (not held, not failed): it was cut off. */
  public boolean unfinished() {
    return !HELD.equals(step) && !FAILED.equals(step);
  }

  /** The annotation that lists the pods to confirm: {@code [{"pod": "ns/name", "uid", "claims": [{claim, volume}]}]}. */
  public static Map<String, String> toConfirm(List<EvictedEarlier> pods) {
    JsonArray a = new JsonArray();
    for (EvictedEarlier p : pods) {
      JsonObject j = p.toJson();
      j.remove("fromNode");
      j.remove("evictedAt");
      a.add(j);
    }
    Map<String, String> m = new HashMap<>();
    m.put(CONFIRM, a.encode());
    return m;
  }

  /**
   * The pods listed on the node to confirm, as evicted from it at {@code since} (when the eviction time is not known,
   * the run's start), or an empty list when there is none or it cannot be read: then nothing is added to what the
   * run knows otherwise.
   */
  public static List<EvictedEarlier> toConfirm(Node node, Instant since) {
    Map<String, String> a = node.getMetadata().getAnnotations();
    String value = a == null ? null : a.get(CONFIRM);
    List<EvictedEarlier> out = new ArrayList<>();
    if (value == null) {
      return out;
    }
    try {
      for (Object o : new JsonArray(value)) {
        out.add(EvictedEarlier.of((JsonObject) o, node.getMetadata().getName(), since));
      }
    } catch (RuntimeException e) {
      return List.of();
    }
    return out;
  }
}
