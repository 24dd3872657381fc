package dev.takeover.sim;
/** Handles a request before the simulated API server does, or returns null to let it through. */
@FunctionalInterface
public interface RequestHook {
  io.fabric8.mockwebserver.http.MockResponse handle(io.fabric8.mockwebserver.http.RecordedRequest request, io.fabric8.mockwebserver.http.Dispatcher next);
}
