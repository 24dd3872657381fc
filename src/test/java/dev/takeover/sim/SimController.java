package dev.takeover.sim;

import dev.takeover.sim.controllers.AttachDetach;
import dev.takeover.sim.controllers.Controller;
import dev.takeover.sim.controllers.DaemonSetController;
import dev.takeover.sim.controllers.DeploymentController;
import dev.takeover.sim.controllers.DisruptionController;
import dev.takeover.sim.controllers.GarbageCollector;
import dev.takeover.sim.controllers.Kubelet;
import dev.takeover.sim.controllers.NamespaceController;
import dev.takeover.sim.controllers.NodeLeases;
import dev.takeover.sim.controllers.NodeLifecycle;
import dev.takeover.sim.controllers.PodGc;
import dev.takeover.sim.controllers.PvBinder;
import dev.takeover.sim.controllers.ReplicaSetController;
import dev.takeover.sim.controllers.Scheduler;
import dev.takeover.sim.controllers.StatefulSetController;
import dev.takeover.sim.controllers.TaintEviction;

import java.util.function.Supplier;

/** The simulated cluster's controllers; all run by default, each may be left out. They run in this order in a pass. */
public enum SimController {
  PV_BINDER(PvBinder::new),
  STATEFULSET(StatefulSetController::new),
  DEPLOYMENT(DeploymentController::new),
  REPLICASET(ReplicaSetController::new),
  DAEMONSET(DaemonSetController::new),
  SCHEDULER(Scheduler::new),
  ATTACH_DETACH(AttachDetach::new),
  KUBELET(Kubelet::new),
  NODE_LIFECYCLE(NodeLifecycle::new),
  TAINT_EVICTION(TaintEviction::new),
  POD_GC(PodGc::new),
  DISRUPTION(DisruptionController::new),
  NODE_LEASES(NodeLeases::new),
  GARBAGE_COLLECTOR(GarbageCollector::new),
  NAMESPACE(NamespaceController::new);

  private final Supplier<Controller> factory;

  SimController(Supplier<Controller> factory) {
    this.factory = factory;
  }

  Controller create() {
    return factory.get();
  }
}
