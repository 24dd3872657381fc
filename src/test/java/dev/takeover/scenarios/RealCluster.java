package dev.takeover.scenarios;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real cluster (or the demo's kept-running simulated one) behind a kubeconfig. The engine runs as the chart's
 * ServiceAccount where the kubeconfig's user may set that up ({@link ChartIdentity}): once per test JVM and API server,
 * and what that created is deleted when the JVM exits (a later {@code helm install} would refuse objects it does not
 * own).
 */
final class RealCluster implements TestCluster {
  private static final Map<String, ChartIdentity.Identity> ENGINE = new ConcurrentHashMap<>();
  private final Config config;
  private final KubernetesClient client;

  RealCluster(Path kubeconfig) {
    try {
      this.config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.client = new KubernetesClientBuilder().withConfig(config).build();
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public Config config() {
    return ENGINE.computeIfAbsent(config.getMasterUrl(), url -> {
      ChartIdentity.Identity identity = ChartIdentity.apply(client, config, ChartIdentity::sayOnce);
      if (!identity.created().isEmpty()) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try (KubernetesClient k = new KubernetesClientBuilder().withConfig(config).build()) {
            ChartIdentity.remove(k, identity);
          } catch (RuntimeException e) {
            System.err.println("Scenarios: could not delete the chart's RBAC objects they created: " + e.getMessage());
          }
        }, "e2e-rbac-cleanup"));
      }
      return identity;
    }).config();
  }

  @Override
  public boolean simulated() {
    return false;
  }

  @Override
  public Duration patience() {
    return Duration.ofMinutes(3);
  }

  @Override
  public void close() {
    client.close();
  }
}
