package dev.takeover.engine;

import io.fabric8.kubernetes.api.model.Node;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * What Takeover writes on the Node it works on, so that the node itself says who cordoned it and why, and a
 * restarted daemon (or a second command) can pick up a run that was cut off.
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
    for (String k : new String[] {RUN, TICKET, STEP, CORDONED, REQUESTER, SINCE}) {
      a.put(k, null);
    }
    return a;
  }

  public NodeRecord atStep(String s) {
    return new NodeRecord(run, ticket, s, cordonedByTakeover, requester, since);
  }

  /** True when the record is of a run that was still working (not held, not failed): it was cut off. */
  public boolean unfinished() {
    return !HELD.equals(step) && !FAILED.equals(step);
  }
}
