package dev.takeover.sim.model;

/** REST paths of the objects the simulator reads and writes directly in its store. */
public final class Paths {
  private Paths() {}

  public static String pod(String namespace, String name) {
    return pods(namespace) + "/" + name;
  }

  public static String pods(String namespace) {
    return "/api/v1/namespaces/" + namespace + "/pods";
  }

  public static String podDisruptionBudgets(String namespace) {
    return "/apis/policy/v1/namespaces/" + namespace + "/poddisruptionbudgets";
  }

  public static String podDisruptionBudget(String namespace, String name) {
    return podDisruptionBudgets(namespace) + "/" + name;
  }
}
