package dev.takeover.sim.kubectl;

import dev.takeover.sim.RequestHook;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;

/**
 * The smallest simulated API server the facade can be tested against until the simulator core lands: a
 * fabric8 CRUD mock on 127.0.0.1, the hook first, and the {@link FieldSelectorStandIn} in place of the core's
 * field indexing. A fabric8 client on it creates the objects kubectl then reads.
 */
final class KubectlTestServer implements AutoCloseable {
  final KubernetesMockServer server;
  final KubernetesClient client;

  private KubectlTestServer(KubernetesMockServer server) {
    this.server = server;
    this.client = server.createClient();
  }

  static KubectlTestServer start(RequestHook hook) {
    Dispatcher next = new FieldSelectorStandIn(new KubernetesCrudDispatcher());
    Dispatcher hooked = new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        MockResponse handled = hook.handle(request, next);
        return handled != null ? handled : next.dispatch(request);
      }
    };
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        hooked, false);
    try {
      server.init(InetAddress.getByName("127.0.0.1"), 0);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
    return new KubectlTestServer(server);
  }

  /** http://127.0.0.1:PORT, the address kubectl is given. */
  String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() {
    // server first, as KubernetesMockServerExtension does: closing the client first sometimes hung the shutdown
    server.destroy();
    client.close();
  }
}
