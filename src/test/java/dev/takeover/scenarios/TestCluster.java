package dev.takeover.scenarios;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The cluster a scenario runs on: the simulated one by default, or a real one when the e2e profile passes a
 * kubeconfig ({@code mvn -B verify -Pe2e}, which reads $KUBECONFIG). Scenarios talk to it only through the
 * public API, so the same test judges the engine on both.
 */
public interface TestCluster extends AutoCloseable {

  /** A client for setting the scene and for assertions (not the engine's). */
  KubernetesClient client();

  /** The configuration the engine connects with. */
  Config config();

  /** True on the simulated cluster: a few scenarios set up their nodes there (they cannot on a real one). */
  boolean simulated();

  /** How long pods may take to start and stop here: short on the simulator, longer on a real cluster. */
  Duration patience();

  @Override
  void close();

  /** The kubeconfig given to the e2e profile, or null for the simulated cluster. */
  static Path realKubeconfig() {
    String p = System.getProperty("takeover.e2e.kubeconfig", "");
    if (p.isBlank()) {
      return null;
    }
    if (p.startsWith("${")) {
      throw new IllegalStateException("the e2e profile needs KUBECONFIG set to the real cluster's kubeconfig");
    }
    Path path = Path.of(p);
    if (!Files.isReadable(path)) {
      throw new IllegalStateException("e2e kubeconfig " + p + " is not readable");
    }
    return path;
  }
}
