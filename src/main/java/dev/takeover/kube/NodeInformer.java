package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vertx.core.Future;

import java.util.List;

/**
 * The cluster's nodes, kept current by one informer (list, then watch). Nodes are few, so the whole set is
 * cached; pods are never cached cluster-wide (see {@link PodOps}).
 */
public final class NodeInformer implements AutoCloseable {
  private final KubeCalls calls;
  private volatile SharedIndexInformer<Node> informer;

  public NodeInformer(KubeCalls calls) {
    this.calls = calls;
  }

  /** Completes once the first list is in the cache. */
  public Future<Void> start() {
    return calls.blocking("start node informer", () -> {
      SharedIndexInformer<Node> inf = calls.client().nodes().runnableInformer(0);
      inf.start().toCompletableFuture().get();
      informer = inf;
      return null;
    });
  }

  /** All nodes as last seen. */
  public List<Node> all() {
    SharedIndexInformer<Node> inf = informer;
    if (inf == null) {
      throw new IllegalStateException("node informer not started");
    }
    return List.copyOf(inf.getStore().list());
  }

  @Override
  public void close() {
    SharedIndexInformer<Node> inf = informer;
    if (inf != null) {
      inf.close();
    }
  }
}
