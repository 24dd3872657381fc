package dev.takeover.helm;

import dev.takeover.daemon.DaemonCommand;
import dev.takeover.sim.Await;
import dev.takeover.sim.SimulatedCluster;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The chart installed on a simulated cluster as {@code helm install takeover helm/takeover -n takeover} would put it
 * there (the rendered objects created one by one), and the daemon started as one of the Deployment's pods runs it:
 * {@code daemon --config} the ConfigMap's file, the container's environment as the kubelet resolves it (downward API,
 * Secrets), and the API server reached with the ServiceAccount's token. The simulated API server authenticates no
 * token (it authorizes impersonated requests only: see the scenarios' ChartIdentity), so the token only marks the
 * daemon's requests: they are the ones the chart's RBAC must allow.
 */
final class InstalledChart {
  /** The ServiceAccount's token: the daemon's (and the command line's) requests carry it, nobody else's do. */
  static final String TOKEN = "sa-token-takeover-takeover";
  static final String API_TOKEN = "canary-api-token-8c1";

  final SimulatedCluster cluster;
  final KubernetesClient k;
  final List<HasMetadata> objects;
  final Path work;

  private InstalledChart(SimulatedCluster cluster, List<HasMetadata> objects, Path work) {
    this.cluster = cluster;
    this.k = cluster.client();
    this.objects = objects;
    this.work = work;
  }

  /**
   * Renders the chart with {@code values} over its own, creates the release's namespace, the Secret the values name
   * (takeover-api, key token) and every rendered object; then waits until the Deployment's pods are Ready.
   */
  static InstalledChart install(SimulatedCluster cluster, Path work, Map<String, Object> values) {
    Path file = work.resolve("test-values.yaml");
    write(file, new Yaml().dump(values));
    List<HasMetadata> objects = Chart.objects(Chart.template(List.of(file), Map.of()));
    KubernetesClient k = cluster.client();
    k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(Chart.NAMESPACE).endMetadata().build())
        .create();
    k.secrets().inNamespace(Chart.NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName("takeover-api")
        .endMetadata().withStringData(Map.of("token", API_TOKEN)).build()).create();
    for (HasMetadata o : objects) {
      k.resource(o).create();
    }
    InstalledChart installed = new InstalledChart(cluster, objects, work);
    Await.await("the Deployment's 2 pods Ready", Duration.ofSeconds(30), () -> installed.readyPods().size() == 2);
    return installed;
  }

  List<Pod> readyPods() {
    return k.pods().inNamespace(Chart.NAMESPACE).withLabel("app.kubernetes.io/instance", Chart.RELEASE).list()
        .getItems().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
            && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))).toList();
  }

  /**
   * The daemon as {@code pod}'s container runs it: its args, its config file and its environment, with
   * {@code TAKEOVER_HTTP_PORT=0} added (tests share one machine; the chart's port is 8080).
   */
  DaemonCommand.Running startDaemonAs(Pod pod) throws DaemonCommand.NotStarted {
    var container = pod.getSpec().getContainers().get(0);
    List<String> args = container.getArgs();
    if (!args.equals(List.of("daemon", "--config", "/etc/takeover/takeover.yaml"))) {
      throw new AssertionError("the container's args: " + args);
    }
    String configMap = pod.getSpec().getVolumes().stream().filter(v -> v.getConfigMap() != null).findFirst()
        .orElseThrow().getConfigMap().getName();
    Path config = work.resolve("takeover.yaml");
    write(config, k.configMaps().inNamespace(Chart.NAMESPACE).withName(configMap).get().getData().get("takeover.yaml"));
    Map<String, String> env = new TreeMap<>();
    for (EnvVar e : container.getEnv()) {
      env.put(e.getName(), e.getValueFrom() == null ? e.getValue() : resolve(pod, e.getValueFrom()));
    }
    env.put("TAKEOVER_HTTP_PORT", "0");
    // The mounted file's path becomes the local copy's; the kubeconfig stands for the mounted ServiceAccount token.
    return DaemonCommand.start(List.of("--config", config.toString(), "--kubeconfig", kubeconfig().toString()), env);
  }

  /** As the kubelet resolves a variable: the pod's own fields, a Secret's key. */
  private String resolve(Pod pod, EnvVarSource from) {
    if (from.getFieldRef() != null) {
      return switch (from.getFieldRef().getFieldPath()) {
        case "metadata.name" -> pod.getMetadata().getName();
        case "metadata.namespace" -> pod.getMetadata().getNamespace();
        default -> throw new AssertionError("a field the test does not resolve: " + from.getFieldRef().getFieldPath());
      };
    }
    if (from.getSecretKeyRef() != null) {
      Secret s = k.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(from.getSecretKeyRef().getName()).get();
      if (s == null) {
        throw new AssertionError("the pod would not start: no Secret " + from.getSecretKeyRef().getName());
      }
      String data = s.getData() == null ? null : s.getData().get(from.getSecretKeyRef().getKey());
      return data != null ? new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8)
          : s.getStringData().get(from.getSecretKeyRef().getKey());
    }
    throw new AssertionError("an env source the test does not resolve: " + from);
  }

  /** What the pod's mounted ServiceAccount token gives in a cluster: the API server, the token, the namespace. */
  Path kubeconfig() {
    Path file = work.resolve("kubeconfig");
    if (!Files.exists(file)) {
      write(file, String.join("\n", "apiVersion: v1", "kind: Config",
          "clusters: [{name: sim, cluster: {server: \"" + cluster.masterUrl() + "\"}}]",
          "users: [{name: takeover, user: {token: " + TOKEN + "}}]",
          "contexts: [{name: takeover, context: {cluster: sim, user: takeover, namespace: " + Chart.NAMESPACE + "}}]",
          "current-context: takeover", ""));
    }
    return file;
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
