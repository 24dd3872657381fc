package dev.takeover.demo;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What {@code kubectl get pod -o wide} and {@code kubectl get pvc,pv} would show, printed the way kubectl does. */
final class Views {
  private Views() {}

  static void pods(KubernetesClient k, PrintStream out) {
    out.println("$ kubectl get pod -o wide");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"));
    Map<String, Integer> webByNode = new TreeMap<>();
    for (Pod p : k.pods().inNamespace("default").list().getItems()) {
      String name = p.getMetadata().getName();
      if (name.startsWith("web-")) {
        webByNode.merge(String.valueOf(p.getSpec().getNodeName()), 1, Integer::sum);
        continue;
      }
      rows.add(List.of(name, ready(p), status(p), "0", age(p.getMetadata().getCreationTimestamp()),
          orNone(p.getStatus() == null ? null : p.getStatus().getPodIP()), orNone(p.getSpec().getNodeName())));
    }
    table(rows, out);
    webByNode.forEach((node, n) -> out.println("(and " + n + " pods of Deployment web on " + node + ")"));
    out.println();
  }

  static void claims(KubernetesClient k, PrintStream out) {
    out.println("$ kubectl get pvc,pv");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "AGE"));
    for (PersistentVolumeClaim c : k.persistentVolumeClaims().inNamespace("default").list().getItems()) {
      rows.add(List.of("persistentvolumeclaim/" + c.getMetadata().getName(), c.getStatus().getPhase(),
          orNone(c.getSpec().getVolumeName()), c.getStatus().getCapacity() == null ? ""
              : String.valueOf(c.getStatus().getCapacity().get("storage")), "RWO",
          orNone(c.getSpec().getStorageClassName()), age(c.getMetadata().getCreationTimestamp())));
    }
    table(rows, out);
    out.println();
    rows = new ArrayList<>();
    rows.add(List.of("NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS", "AGE"));
    for (PersistentVolume v : k.persistentVolumes().list().getItems()) {
      var ref = v.getSpec().getClaimRef();
      rows.add(List.of("persistentvolume/" + v.getMetadata().getName(), String.valueOf(v.getSpec().getCapacity().get("storage")),
          "RWO", orNone(v.getSpec().getPersistentVolumeReclaimPolicy()), v.getStatus().getPhase(),
          ref == null ? "" : ref.getNamespace() + "/" + ref.getName(), orNone(v.getSpec().getStorageClassName()),
          age(v.getMetadata().getCreationTimestamp())));
    }
    table(rows, out);
    out.println();
  }

  private static String ready(Pod p) {
    boolean ready = p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions()
        .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    int containers = p.getSpec().getContainers().size();
    return (ready ? containers : 0) + "/" + containers;
  }

  private static String status(Pod p) {
    if (p.getMetadata().getDeletionTimestamp() != null) {
      return "Terminating";
    }
    return p.getStatus() == null || p.getStatus().getPhase() == null ? "Pending" : p.getStatus().getPhase();
  }

  private static String age(String timestamp) {
    if (timestamp == null) {
      return "<unknown>";
    }
    long s = Math.max(0, Duration.between(Instant.parse(timestamp), Instant.now()).getSeconds());
    return s < 120 ? s + "s" : (s / 60) + "m";
  }

  private static String orNone(String s) {
    return s == null || s.isEmpty() ? "<none>" : s;
  }

  /** Columns as kubectl aligns them: each as wide as its widest cell, three spaces apart. */
  private static void table(List<List<String>> rows, PrintStream out) {
    int[] width = new int[rows.get(0).size()];
    for (List<String> r : rows) {
      for (int i = 0; i < r.size(); i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    for (List<String> r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        b.append(i == r.size() - 1 ? r.get(i) : String.format("%-" + (width[i] + 3) + "s", r.get(i)));
      }
      out.println(b.toString().stripTrailing());
    }
  }
}
