/**
 * A simulated Kubernetes cluster for tests and the demo (test scope only; never in the production jar).
 *
 * <p>Public face: {@link dev.takeover.sim.SimulatedCluster} ({@code builder().timing(..).port(..).controllers(..)
 * .requestHook(..).start()}, {@code client()}, {@code masterUrl()}, {@code writeKubeconfig(Path)},
 * {@code scenario()}, {@code stopNode/startNode}, {@code awaitSettled(Duration)}), {@link dev.takeover.sim.SimTiming}
 * ({@code fast()}, {@code realistic()}), {@link dev.takeover.sim.Seed#cluster(SimTiming)} (the recorded seed cluster),
 * {@link dev.takeover.sim.scenario.Scenario} (a starting state in a few lines, with initial placements) and
 * {@link dev.takeover.sim.RequestHook} (for the kubectl facade).
 *
 * <p>Layers: {@code api} is the API server (fabric8's CRUD mock with field selectors indexed, plus eviction,
 * binding, graceful pod deletion, create-time defaults, strategic merge patches of maps); {@code controllers} are
 * the StatefulSet, Deployment/ReplicaSet, DaemonSet, scheduler, kubelet, PV binder, disruption, node lifecycle,
 * node lease and garbage collector behaviours, each reading and writing through a fabric8 client so that every
 * change reaches watches; {@code scenario} builds starting states; {@code model} holds the small questions about
 * pods, selectors and taints they share. Reference: shared/k8s-api (a real v1.32 server's answers), copied where
 * tests compare with it into src/test/resources/sim.
 */
package dev.takeover.sim;
