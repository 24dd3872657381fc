/**
 * The kubectl facade of the simulated API server: what a stock kubectl v1.32 needs to read the simulated cluster
 * (discovery, /version, Tables, JSON for protobuf-preferring typed clients, cordon's strategic merge patch).
 *
 * <p>{@link dev.takeover.sim.kubectl.KubectlFacade} is a {@link dev.takeover.sim.RequestHook}; the simulator's
 * dispatcher calls it before anything else and falls through when it returns null:
 * <pre>{@code
 * RequestHook kubectl = new KubectlFacade(clock);
 * MockResponse dispatch(RecordedRequest request) {
 *   MockResponse answer = kubectl.handle(request, rest);   // rest: the simulator after the hook
 *   return answer != null ? answer : rest.dispatch(request);
 * }
 * }</pre>
 * The data it serves (aggregated discovery, version, field documentation) is the recorded answer of a real
 * v1.32.13 server, under {@code src/test/resources/sim/kubectl/}; {@code recorded/} holds what the tests compare
 * with. {@code KubectlTestServer} and {@code FieldSelectorStandIn} are test fixtures standing in for the
 * simulator core until it lands.
 */
package dev.takeover.sim.kubectl;
