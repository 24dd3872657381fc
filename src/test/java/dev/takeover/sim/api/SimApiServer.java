package dev.takeover.sim.api;

import dev.takeover.sim.RequestHook;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;

/**
 * The simulated API server: a fabric8 {@link KubernetesMockServer} over plain HTTP on 127.0.0.1 whose dispatcher is
 * a chain: the {@link RequestHook} (e.g. the kubectl facade), then {@link KubernetesBehaviours}, then the
 * {@link SimStore}. After every request that may have changed something, {@code onChange} runs (it wakes the
 * controllers).
 */
public final class SimApiServer implements AutoCloseable {
  private final SimStore store = new SimStore();
  private final KubernetesMockServer server;

  public SimApiServer(RequestHook hook, Runnable onChange) {
    Dispatcher api = new KubernetesBehaviours(store);
    Dispatcher chain = new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        MockResponse response = hook == null ? null : hook.handle(request, api);
        if (response == null) {
          response = api.dispatch(request);
        }
        if (!"GET".equals(request.getMethod())) {
          onChange.run();
        }
        return response;
      }
    };
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
        chain, false);
  }

  /** Listens on 127.0.0.1:port (0: any free port). */
  public void start(int port) {
    try {
      server.init(InetAddress.getByName("127.0.0.1"), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return server.getPort();
  }

  /** http://127.0.0.1:PORT (an address rather than "localhost", which may resolve to ::1 first). */
  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  public SimStore store() {
    return store;
  }

  @Override
  public void close() {
    server.destroy();
  }
}
