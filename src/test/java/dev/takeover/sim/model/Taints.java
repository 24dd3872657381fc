package dev.takeover.sim.model;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Taints and tolerations (k8s.io/api/core/v1 Toleration.ToleratesTaint). */
public final class Taints {
  private Taints() {}

  public static final String CONTROL_PLANE = "node-role.kubernetes.io/control-plane";
  public static final String UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
  public static final String UNREACHABLE = "node.kubernetes.io/unreachable";
  public static final String NOT_READY = "node.kubernetes.io/not-ready";

  public static boolean tolerates(Toleration toleration, Taint taint) {
    if (toleration.getEffect() != null && !toleration.getEffect().isEmpty()
        && !toleration.getEffect().equals(taint.getEffect())) {
      return false;
    }
    String key = toleration.getKey() == null ? "" : toleration.getKey();
    String operator = toleration.getOperator() == null || toleration.getOperator().isEmpty()
        ? "Equal" : toleration.getOperator();
    if (key.isEmpty()) {
      return operator.equals("Exists"); // empty key with Exists tolerates everything
    }
    if (!key.equals(taint.getKey())) {
      return false;
    }
    return operator.equals("Exists")
        || Objects.equals(emptyIfNull(toleration.getValue()), emptyIfNull(taint.getValue()));
  }

  /** The first NoSchedule/NoExecute taint none of the tolerations tolerates (the scheduler's TaintToleration filter). */
  public static Optional<Taint> firstUntolerated(List<Taint> taints, List<Toleration> tolerations) {
    if (taints == null) {
      return Optional.empty();
    }
    List<Toleration> all = tolerations == null ? List.of() : tolerations;
    return taints.stream()
        .filter(t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
        .filter(t -> all.stream().noneMatch(tol -> tolerates(tol, t)))
        .findFirst();
  }

  public static boolean has(List<Taint> taints, String key, String effect) {
    return taints != null && taints.stream().anyMatch(t -> key.equals(t.getKey()) && effect.equals(t.getEffect()));
  }

  private static String emptyIfNull(String s) {
    return s == null ? "" : s;
  }
}
