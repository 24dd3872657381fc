package dev.takeover.scenarios;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A real cluster (or the demo's kept-running simulated one) behind a kubeconfig. */
final class RealCluster implements TestCluster {
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
    return config;
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
