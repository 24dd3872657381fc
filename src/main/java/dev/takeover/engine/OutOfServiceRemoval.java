package dev.takeover.engine;

import dev.takeover.engine.recover.RecoverDecision;
import dev.takeover.kube.NodeOps;

import io.fabric8.kubernetes.api.model.Taint;
import io.vertx.core.Future;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last step of a recovery, once the node is back (Kubernetes' non-graceful shutdown procedure: "after the pods
 * are moved to a new node and the shutdown node has been recovered, remove the out-of-service taint"): the taint
 * goes only when the node is Ready as written (the kubelet's own recent post; its Lease's renewTime is the kubelet's
 * clock, which may be off, so it is not asked), and only if Takeover's marker says Takeover put it there. Removed earlier, pods would be scheduled onto a node that may go again.
 */
final class OutOfServiceRemoval {
  private final Engine.Parts parts;

  OutOfServiceRemoval(Engine.Parts parts) {
    this.parts = parts;
  }

  Future<Engine.OutOfServiceEnd> end(String name) {
    String[] ticket = new String[1];
    boolean[] removed = new boolean[1];
    return parts.kube().nodes.get(name).compose(node -> {
      if (node == null) {
        return Future.succeededFuture(new Engine.OutOfServiceEnd(false, null, "node " + name + " no longer exists"));
      }
      return parts.kube().nodes.updateTaints(node, n -> {
        Map<String, String> a = n.getMetadata().getAnnotations();
        ticket[0] = a == null ? null : a.get(NodeRecord.OUT_OF_SERVICE);
        if (ticket[0] == null) {
          throw new NotOurs(name + " carries no out-of-service taint of Takeover's: nothing to remove");
        }
        // Ready=True is the kubelet's own recent word (the controller turns it Unknown when posts stop): enough. The
        // Lease's renewTime is the kubelet's clock, which may be off by more than the Lease lasts.
        String notBack = !RecoverDecision.ready(n) ? name + " is not Ready yet" : null;
        if (notBack != null) {
          throw new NotOurs(notBack + ": the out-of-service taint stays");
        }
        List<Taint> kept = (n.getSpec().getTaints() == null ? List.<Taint>of() : n.getSpec().getTaints()).stream()
            .filter(t -> !(RecoverSequence.OUT_OF_SERVICE.equals(t.getKey()) && "NoExecute".equals(t.getEffect())))
            .toList();
        removed[0] = kept.size() != (n.getSpec().getTaints() == null ? 0 : n.getSpec().getTaints().size());
        Map<String, String> erase = new HashMap<>();
        erase.put(NodeRecord.OUT_OF_SERVICE, null);
        erase.put(NodeRecord.CONFIRM, null); // a recovery's list of pods to confirm, if one was left
        return new NodeOps.TaintChange(kept, erase);
      }).map(written -> new Engine.OutOfServiceEnd(removed[0], ticket[0], removed[0]
          ? "removed the out-of-service taint of " + name + " (put there by ticket " + ticket[0] + "): it is Ready"
          : "the out-of-service taint of " + name + " was already gone; its marker is erased"));
    }).recover(e -> e instanceof NotOurs n ? Future.succeededFuture(new Engine.OutOfServiceEnd(false, ticket[0],
        n.getMessage())) : Future.failedFuture(e));
  }

  /** The node needs nothing now (no marker, or not back yet): nothing is written. */
  private static final class NotOurs extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotOurs(String why) {
      super(why, null, false, false);
    }
  }

}
