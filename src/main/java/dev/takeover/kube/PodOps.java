package dev.takeover.kube;

import dev.takeover.engine.plan.PodRef;
import io.fabric8.kubernetes.api.model.Pod;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;

/** Pods: list a node's pods, evict and delete with a UID precondition (waits go through {@link ListWatch}). */
public final class PodOps {
  private final KubeCalls calls;

  public PodOps(KubeCalls calls) {
    this.calls = calls;
  }

  /** The node's pods, filtered by the API server (never the whole cluster's pods). */
  public Future<List<Pod>> onNode(String node) {
    return calls.blocking("list pods on node " + node,
        () -> calls.client().pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems());
  }

  /** The pod of that name, or null. */
  public Future<Pod> get(String namespace, String name) {
    return calls.blocking("read pod " + namespace + "/" + name,
        () -> calls.client().pods().inNamespace(namespace).withName(name).get());
  }

  /**
   * Asks the Eviction API (policy/v1) to evict exactly this pod: the UID precondition makes the API server
   * refuse (409) if the name now belongs to a recreated pod, which must not be evicted by mistake
   * (kubernetes/kubernetes#138229). The grace period is the pod's own.
   */
  public Future<EvictionAnswer> evict(PodRef pod) {
    JsonObject body = new JsonObject()
        .put("apiVersion", "policy/v1").put("kind", "Eviction")
        .put("metadata", new JsonObject().put("name", pod.name()).put("namespace", pod.namespace()))
        .put("deleteOptions", preconditions(pod));
    String path = "/api/v1/namespaces/" + pod.namespace() + "/pods/" + pod.name() + "/eviction";
    return calls.send("POST", path, body.encode(), "evict pod " + pod.key()).map(EvictionAnswer::of);
  }

  /** Deletes exactly this pod (UID precondition), with its own grace period; for finished pods. */
  public Future<EvictionAnswer> delete(PodRef pod) {
    JsonObject body = preconditions(pod).put("apiVersion", "v1").put("kind", "DeleteOptions");
    String path = "/api/v1/namespaces/" + pod.namespace() + "/pods/" + pod.name();
    return calls.send("DELETE", path, body.encode(), "delete pod " + pod.key()).map(EvictionAnswer::of);
  }

  /**
   * Force-deletes exactly this pod: grace 0, UID precondition (a pod of that name made since is not touched: 409).
   * For the StatefulSet pods of a node that is down and fenced, when pod GC does not delete them: the pod object
   * goes at once, whatever its kubelet would have said, so the StatefulSet controller makes its replacement.
   */
  public Future<EvictionAnswer> forceDelete(PodRef pod) {
    JsonObject body = preconditions(pod).put("apiVersion", "v1").put("kind", "DeleteOptions")
        .put("gracePeriodSeconds", 0);
    String path = "/api/v1/namespaces/" + pod.namespace() + "/pods/" + pod.name();
    return calls.send("DELETE", path, body.encode(), "force-delete pod " + pod.key()).map(EvictionAnswer::of);
  }

  private static JsonObject preconditions(PodRef pod) {
    return new JsonObject().put("preconditions", new JsonObject().put("uid", pod.uid()));
  }

  /** What the API server answered to an eviction or a delete. */
  public record EvictionAnswer(Kind kind, int status, String message, String budget, Duration retryAfter) {

    public enum Kind {
      /** 200/201: accepted, the pod is being deleted gracefully. */
      ACCEPTED,
      /** 404, or 409 on the UID precondition: the pod we planned for no longer exists. */
      GONE,
      /** 429: a PodDisruptionBudget forbids it now. */
      BLOCKED,
      /** Anything else that may pass later (a conflict on the budget, 5xx, throttling without a budget). */
      RETRY,
      /**
       * A 409 whose body does not say what conflicted: the pod is read again by name to know whether the planned
       * pod is gone (absent, or its name now held by another uid) or the conflict was passing.
       */
      CONFLICT,
      /** An answer that will not change by retrying (403, 400, several budgets for one pod). */
      REFUSED
    }

    static EvictionAnswer of(io.fabric8.kubernetes.client.http.HttpResponse<String> r) {
      return of(r.code(), r.body(), r.header("Retry-After"));
    }

    /** Reads an answer: its status code, its {@code Status} body and its Retry-After header (may be null). */
    public static EvictionAnswer of(int code, String body, String retryAfterHeader) {
      JsonObject status = parse(body);
      String message = status.getString("message", "HTTP " + code);
      Duration retryAfter = retryAfter(retryAfterHeader);
      if (code == 200 || code == 201) {
        return new EvictionAnswer(Kind.ACCEPTED, code, message, null, null);
      }
      if (code == 404) {
        return new EvictionAnswer(Kind.GONE, code, message, null, null);
      }
      if (code == 409) {
        return new EvictionAnswer(conflictKind(message), code, message, null, retryAfter);
      }
      if (code == 429) {
        String budget = budgetOf(status);
        return new EvictionAnswer(budget == null ? Kind.RETRY : Kind.BLOCKED, code, message, budget, retryAfter);
      }
      if (code >= 500 && !message.contains("more than one PodDisruptionBudget")) {
        return new EvictionAnswer(Kind.RETRY, code, message, null, retryAfter);
      }
      return new EvictionAnswer(Kind.REFUSED, code, message, null, null);
    }

    /**
     * What a 409 on an eviction means, read as the API server words it. The UID precondition fails in
     * rest.BeforeDelete ("the UID in the precondition (…) does not match the UID in record", evict-409-uid-precondition)
     * or in storage ("Precondition failed: UID in precondition: …"): the planned pod is gone. The details' kind does
     * not tell (BeforeDelete names the kind "Pod" for a resourceVersion precondition too, which the eviction handler
     * sets itself). An optimistic-concurrency conflict ("the object has been modified") is retried; any other
     * wording is settled by reading the pod again.
     */
    private static Kind conflictKind(String message) {
      String lower = message.toLowerCase(java.util.Locale.ROOT);
      if (lower.contains("precondition") && lower.contains("uid")) {
        return Kind.GONE;
      }
      if (lower.contains("the object has been modified")) {
        return Kind.RETRY;
      }
      return Kind.CONFLICT;
    }

    /**
     * The budget's name and what it says, from {@code details.causes[].message}:
     * "The disruption budget mysql needs 1 healthy pods and has 1 currently".
     */
    private static String budgetOf(JsonObject status) {
      JsonObject details = status.getJsonObject("details");
      JsonArray causes = details == null ? null : details.getJsonArray("causes");
      if (causes != null) {
        for (int i = 0; i < causes.size(); i++) {
          JsonObject c = causes.getJsonObject(i);
          if ("DisruptionBudget".equals(c.getString("reason"))) {
            return c.getString("message", "");
          }
        }
      }
      return status.getString("message", "").contains("disruption budget") ? status.getString("message") : null;
    }

    private static JsonObject parse(String body) {
      try {
        return body == null || body.isBlank() ? new JsonObject() : new JsonObject(body);
      } catch (RuntimeException e) {
        return new JsonObject().put("message", body.length() > 200 ? body.substring(0, 200) : body);
      }
    }

    private static Duration retryAfter(String header) {
      if (header == null) {
        return null;
      }
      try {
        return Duration.ofSeconds(Long.parseLong(header.trim()));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }
}
