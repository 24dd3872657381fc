package dev.takeover.sim.scenario;

import dev.takeover.sim.model.Pods;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What every workload of a scenario has: one container (named after the workload, image busybox:1.36 unless
 * told), labels (app=NAME unless told), and pod-level settings. {@link #container} and {@link #pod} reach the
 * fabric8 objects for anything else.
 */
public abstract class TemplateSpec<S extends TemplateSpec<S>> {
  protected final String name;
  protected final Map<String, String> labels = new LinkedHashMap<>();
  private final Map<String, String> annotations = new LinkedHashMap<>();
  private final Container container;
  private final List<Volume> volumes = new ArrayList<>();
  private final List<Toleration> tolerations = new ArrayList<>();
  private final List<Consumer<PodSpec>> podChanges = new ArrayList<>();

  TemplateSpec(String name) {
    this.name = name;
    this.labels.put("app", name);
    this.container = new ContainerBuilder().withName(name).withImage("busybox:1.36").build();
  }

  @SuppressWarnings("unchecked")
  private S self() {
    return (S) this;
  }

  /** The value of the app label that selects the pods (default: the workload's name). */
  public S appLabel(String value) {
    labels.put("app", value);
    return self();
  }

  public S label(String key, String value) {
    labels.put(key, value);
    return self();
  }

  public S annotation(String key, String value) {
    annotations.put(key, value);
    return self();
  }

  public S image(String image) {
    container.setImage(image);
    return self();
  }

  public S env(String name, String value) {
    container.getEnv().add(new io.fabric8.kubernetes.api.model.EnvVar(name, value, null));
    return self();
  }

  public S port(String name, int port) {
    container.getPorts().add(new io.fabric8.kubernetes.api.model.ContainerPortBuilder().withName(name)
        .withContainerPort(port).build());
    return self();
  }

  /** Resource requests of the container, e.g. request("cpu", "500m"). */
  public S request(String resource, String amount) {
    if (container.getResources() == null) {
      container.setResources(new io.fabric8.kubernetes.api.model.ResourceRequirements());
    }
    Map<String, Quantity> requests = new LinkedHashMap<>(container.getResources().getRequests() == null
        ? Map.of() : container.getResources().getRequests());
    requests.put(resource, new Quantity(amount));
    container.getResources().setRequests(requests);
    return self();
  }

  public S mount(String volume, String path) {
    return mount(volume, path, null);
  }

  public S mount(String volume, String path, String subPath) {
    container.getVolumeMounts().add(new VolumeMountBuilder().withName(volume).withMountPath(path)
        .withSubPath(subPath).build());
    return self();
  }

  /** An emptyDir volume mounted at {@code path} (kubectl drain calls this local storage). */
  public S emptyDir(String volume, String path) {
    volumes.add(new VolumeBuilder().withName(volume).withNewEmptyDir().endEmptyDir().build());
    return mount(volume, path);
  }

  /** A volume from a PersistentVolumeClaim that the scenario (or someone) creates. */
  public S claim(String volume, String claimName, String path) {
    volumes.add(new VolumeBuilder().withName(volume).withNewPersistentVolumeClaim().withClaimName(claimName)
        .endPersistentVolumeClaim().build());
    return mount(volume, path);
  }

  /** Its pods start but never become Ready (annotation {@value Pods#NEVER_READY_ANNOTATION}). */
  public S neverReady() {
    return annotation(Pods.NEVER_READY_ANNOTATION, "true");
  }

  public S gracePeriodSeconds(long seconds) {
    return pod(spec -> spec.setTerminationGracePeriodSeconds(seconds));
  }

  public S nodeSelector(String key, String value) {
    return pod(spec -> {
      Map<String, String> selector = new LinkedHashMap<>(spec.getNodeSelector() == null ? Map.of() : spec.getNodeSelector());
      selector.put(key, value);
      spec.setNodeSelector(selector);
    });
  }

  public S toleration(String key, String effect) {
    tolerations.add(new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build());
    return self();
  }

  /** {@code operator: Exists} with no key: tolerates every taint (kube-proxy, flannel). */
  public S toleratesEverything() {
    tolerations.add(new TolerationBuilder().withOperator("Exists").build());
    return self();
  }

  /** Anything else on the container (probes, command...). */
  public S container(Consumer<Container> change) {
    change.accept(container);
    return self();
  }

  /** Anything else on the pod spec (affinity, hostNetwork...), applied last. */
  public S pod(Consumer<PodSpec> change) {
    podChanges.add(change);
    return self();
  }

  protected PodTemplateSpec template() {
    PodSpec spec = new PodSpecBuilder().withContainers(new ContainerBuilder(container).build())
        .withVolumes(volumes.isEmpty() ? null : new ArrayList<>(volumes))
        .withTolerations(tolerations.isEmpty() ? null : new ArrayList<>(tolerations)).build();
    podChanges.forEach(change -> change.accept(spec));
    return new PodTemplateSpecBuilder().withNewMetadata().withLabels(new LinkedHashMap<>(labels))
        .withAnnotations(annotations.isEmpty() ? null : new LinkedHashMap<>(annotations)).endMetadata()
        .withSpec(spec).build();
  }

  /** The selector's labels: the app label. */
  protected Map<String, String> selector() {
    return Map.of("app", labels.get("app"));
  }
}
