package dev.takeover.helm;

import com.marcnuri.helm.LintResult;
import dev.takeover.daemon.DaemonConfig;
import dev.takeover.daemon.DaemonConfigLoader;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code helm lint} and {@code helm template} of helm/takeover, by Helm itself (helm-java), with the default values and
 * with every optional part on (ci/all-on-values.yaml); what the rendered objects say, read as fabric8 reads them.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ChartTest {
  @TempDir
  Path work;

  @Test
  void helm_lint_passes_strictly_with_the_default_values_and_with_every_optional_part_on() {
    for (LintResult lint : List.of(Chart.lint(work), Chart.lint(work, Chart.ALL_ON))) {
      assertFalse(lint.isFailed(), lint.getMessages().toString());
      assertTrue(lint.getMessages().stream().noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]")),
          lint.getMessages().toString());
    }
  }

  @Test
  void by_default_two_hardened_replicas_run_the_daemon_and_nothing_optional_is_rendered() {
    List<HasMetadata> objects = Chart.objects(Chart.template());
    assertEquals(Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ConfigMap", "Service", "Deployment",
        "PodDisruptionBudget"), objects.stream().map(HasMetadata::getKind).collect(Collectors.toSet()));
    Deployment d = one(objects, Deployment.class);
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);

    assertEquals(2, d.getSpec().getReplicas());
    var anti = pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution().get(0);
    assertEquals("kubernetes.io/hostname", anti.getPodAffinityTerm().getTopologyKey());
    assertEquals(d.getSpec().getSelector().getMatchLabels(), anti.getPodAffinityTerm().getLabelSelector().getMatchLabels());
    PodDisruptionBudget pdb = one(objects, PodDisruptionBudget.class);
    assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
    assertEquals(d.getSpec().getSelector().getMatchLabels(), pdb.getSpec().getSelector().getMatchLabels());

    assertEquals(List.of("daemon", "--config", "/etc/takeover/takeover.yaml"), c.getArgs());
    assertEquals(30L, pod.getTerminationGracePeriodSeconds());
    assertEquals("/healthz", c.getLivenessProbe().getHttpGet().getPath());
    assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath());
    assertEquals("http", c.getLivenessProbe().getHttpGet().getPort().getStrVal());
    assertEquals("http", c.getReadinessProbe().getHttpGet().getPort().getStrVal());
    assertEquals(8080, c.getPorts().get(0).getContainerPort());
    assertEquals(Set.of("cpu", "memory"), c.getResources().getRequests().keySet());
    assertEquals("512Mi", c.getResources().getLimits().get("memory").toString());

    assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
    assertEquals(65532L, pod.getSecurityContext().getRunAsUser());
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
    assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem());
    assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
    assertEquals("RuntimeDefault", c.getSecurityContext().getSeccompProfile().getType());
    String tmpVolume = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).findFirst().orElseThrow()
        .getName();
    assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals(tmpVolume) && v.getEmptyDir() != null));
    assertTrue(env(c).get("JAVA_TOOL_OPTIONS").getValue().contains("-Dvertx.cacheDirBase=/tmp/"),
        "Vert.x's file cache on the writable /tmp");

    Map<String, EnvVar> env = env(c);
    assertEquals("metadata.name", env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath());
    assertEquals("metadata.namespace", env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath());
    assertEquals("metadata.name", env.get("TAKEOVER_DAEMON_INSTANCE").getValueFrom().getFieldRef().getFieldPath());
    assertEquals(Chart.RELEASE, pod.getServiceAccountName());
    Service svc = one(objects, Service.class);
    assertEquals("http", svc.getSpec().getPorts().get(0).getTargetPort().getStrVal());
    assertEquals(d.getSpec().getSelector().getMatchLabels(), svc.getSpec().getSelector());
  }

  @Test
  void the_config_map_and_the_environment_are_settings_the_daemon_accepts() {
    for (Path values : new Path[] {null, Chart.ALL_ON}) {
      List<HasMetadata> objects = Chart.objects(values == null ? Chart.template() : Chart.template(values));
      Container c = one(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
      Map<String, String> env = new TreeMap<>();
      env(c).forEach((name, v) -> env.put(name, v.getValue() != null ? v.getValue()
          : v.getValueFrom().getFieldRef() != null ? "takeover-5d4f8-x2x7q"
          : name.endsWith("_URL") ? "https://hooks.example.com/" + name : "value-of-" + name));
      DaemonConfig config = DaemonConfigLoader.from(new JsonObject(settings(objects)), env);

      assertEquals("takeover-5d4f8-x2x7q", config.instance(), "the pod's name");
      assertEquals(8080, config.http().port());
      if (values != null) {
        assertEquals("value-of-TAKEOVER_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", config.kafka().properties().get("sasl.jaas.config"));
        assertEquals("value-of-TAKEOVER_HTTP_API_TOKEN", config.http().apiToken());
        assertTrue(config.slack().configured());
      }
    }
  }

  @Test
  void with_every_optional_part_on_prometheus_and_grafana_get_their_objects_and_secrets_are_only_referenced() {
    List<HasMetadata> objects = Chart.objects(Chart.template(Chart.ALL_ON));
    GenericKubernetesResource monitor = generic(objects, "ServiceMonitor");
    assertEquals("monitoring.coreos.com/v1", monitor.getApiVersion());
    assertEquals("kube-prometheus-stack", monitor.getMetadata().getLabels().get("release"));
    assertEquals("{port=http, path=/metrics, interval=30s, scrapeTimeout=10s}",
        String.valueOf(((List<?>) spec(monitor).get("endpoints")).get(0)));
    assertEquals(Set.of("TakeoverRunFailed", "TakeoverStepStuck", "TakeoverNodeCordonedTooLong",
        "TakeoverStuckStatefulSetPods", "TakeoverNoLeader", "TakeoverDeadLettersGrowing", "TakeoverWatchFailing"),
        PromQl.alerts(objects).keySet());
    ConfigMap dashboard = objects.stream().filter(o -> o instanceof ConfigMap cm
        && "1".equals(cm.getMetadata().getLabels().get("grafana_dashboard"))).map(ConfigMap.class::cast).findFirst().orElseThrow();
    assertEquals("Takeover", new JsonObject(dashboard.getData().get("takeover.json")).getString("title"));
    assertTrue(PromQl.dashboardQueries(objects).size() >= 20);

    assertTrue(objects.stream().noneMatch(o -> o.getKind().equals("Secret")), "the chart makes no Secret");
    Container c = one(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    Set<String> fromSecrets = env(c).values().stream().filter(v -> v.getValueFrom() != null
        && v.getValueFrom().getSecretKeyRef() != null).map(EnvVar::getName).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(Set.of("TAKEOVER_DEAD_NODES_FENCING_TOKEN", "TAKEOVER_DEAD_NODES_FENCING_URL", "TAKEOVER_HTTP_API_TOKEN",
        "TAKEOVER_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "TAKEOVER_SLACK_SIGNING_SECRET", "TAKEOVER_SLACK_WEBHOOK_URL"), fromSecrets);
    assertNull(settings(objects).get("slack") instanceof Map<?, ?> s ? s.get("signingSecret") : null);
  }

  @Test
  void a_secret_written_as_a_value_stops_the_rendering_with_the_setting_to_use_instead() {
    Map<String, String> refused = Map.of("config.http.apiToken", "secrets.*", "config.slack.webhookUrl",
        "secrets.slackWebhookUrl", "config.deadNodes.fencing.token", "secrets.fencingToken",
        "config.kafka.properties.sasl\\.jaas\\.config", "secrets.kafka");
    refused.forEach((key, instead) -> {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> Chart.template(List.of(), Map.of(key, "canary-s3cr3t")), key);
      assertTrue(e.getMessage().contains("is a secret") && e.getMessage().contains(instead), e.getMessage());
      assertFalse(e.getMessage().contains("canary-s3cr3t"), "the value is not repeated: " + e.getMessage());
    });
  }

  /** The daemon's settings as the ConfigMap holds them (takeover.yaml), parsed. */
  static Map<String, Object> settings(List<HasMetadata> objects) {
    ConfigMap cm = objects.stream().filter(o -> o instanceof ConfigMap m && m.getData().containsKey("takeover.yaml"))
        .map(ConfigMap.class::cast).findFirst().orElseThrow();
    return Chart.readYaml(cm.getData().get("takeover.yaml"));
  }

  static Map<String, EnvVar> env(Container c) {
    Map<String, EnvVar> out = new TreeMap<>();
    c.getEnv().forEach(e -> out.put(e.getName(), e));
    return out;
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertEquals(1, found.size(), type.getSimpleName() + "s: " + found.size());
    return found.get(0);
  }

  static GenericKubernetesResource generic(List<HasMetadata> objects, String kind) {
    return objects.stream().filter(o -> o.getKind().equals(kind)).map(GenericKubernetesResource.class::cast)
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> spec(GenericKubernetesResource r) {
    return (Map<String, Object>) r.getAdditionalProperties().get("spec");
  }
}
