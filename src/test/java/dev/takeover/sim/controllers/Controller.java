package dev.takeover.sim.controllers;

/**
 * One piece of Kubernetes behaviour (a controller, the scheduler, the kubelets). It reads the cluster through the
 * API and writes through it too, so every change it makes reaches watches as a real one would.
 * {@link #reconcile} runs on the simulator's single controller thread after any change and on its own timers; it
 * must write only when something is to be done, so that passes come to rest.
 */
public interface Controller {
  void reconcile(ControllerContext context);
}
