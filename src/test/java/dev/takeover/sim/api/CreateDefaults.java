package dev.takeover.sim.api;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy;
import io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the API server adds to an object when it is created (defaulting, the admission plugins
 * DefaultTolerationSeconds/ServiceAccount/Priority, the pod strategy's PrepareForCreate, generateName), so that
 * objects read back look like those of the recorded cluster (rest/get-pod-mysql-0.txt, get-statefulset.txt).
 * Objects of other kinds pass unchanged.
 */
final class CreateDefaults {
  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"; // k8s.io/apimachinery/pkg/util/rand
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final AtomicInteger NEXT_CLUSTER_IP = new AtomicInteger(10);
  /** Knows every built-in kind, so that a body becomes its typed object (Pod, StatefulSet...). */
  private static final KubernetesSerialization TYPED = new KubernetesSerialization();

  private CreateDefaults() {}

  static String apply(String body) {
    Object parsed;
    try {
      parsed = TYPED.unmarshal(body);
    } catch (RuntimeException e) {
      return body; // let the mock answer what it answers to a body it cannot read
    }
    if (!(parsed instanceof HasMetadata object) || object.getMetadata() == null) {
      return body;
    }
    generateName(object);
    if (object instanceof Pod pod) {
      pod(pod);
    } else if (object instanceof StatefulSet sts) {
      statefulSet(sts);
    } else if (object instanceof Deployment d) {
      d.getSpec().setReplicas(Objects.requireNonNullElse(d.getSpec().getReplicas(), 1));
      d.getSpec().setRevisionHistoryLimit(Objects.requireNonNullElse(d.getSpec().getRevisionHistoryLimit(), 10));
      d.getSpec().setProgressDeadlineSeconds(Objects.requireNonNullElse(d.getSpec().getProgressDeadlineSeconds(), 600));
      podSpec(d.getSpec().getTemplate().getSpec());
    } else if (object instanceof ReplicaSet rs) {
      rs.getSpec().setReplicas(Objects.requireNonNullElse(rs.getSpec().getReplicas(), 1));
      podSpec(rs.getSpec().getTemplate().getSpec());
    } else if (object instanceof DaemonSet ds) {
      ds.getSpec().setRevisionHistoryLimit(Objects.requireNonNullElse(ds.getSpec().getRevisionHistoryLimit(), 10));
      podSpec(ds.getSpec().getTemplate().getSpec());
    } else if (object instanceof PersistentVolumeClaim pvc) {
      pvc.getSpec().setVolumeMode(Objects.requireNonNullElse(pvc.getSpec().getVolumeMode(), "Filesystem"));
      if (pvc.getStatus() == null || pvc.getStatus().getPhase() == null) {
        pvc.setStatus(new PersistentVolumeClaimStatus());
        pvc.getStatus().setPhase("Pending");
      }
    } else if (object instanceof PersistentVolume pv) {
      pv.getSpec().setVolumeMode(Objects.requireNonNullElse(pv.getSpec().getVolumeMode(), "Filesystem"));
      pv.getSpec().setPersistentVolumeReclaimPolicy(
          Objects.requireNonNullElse(pv.getSpec().getPersistentVolumeReclaimPolicy(), "Retain"));
      if (pv.getStatus() == null || pv.getStatus().getPhase() == null) {
        pv.setStatus(new PersistentVolumeStatus());
        pv.getStatus().setPhase("Pending");
      }
    } else if (object instanceof Service svc) {
      service(svc);
    } else if (object instanceof Namespace ns) {
      Map<String, String> labels = new HashMap<>(ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels());
      labels.put("kubernetes.io/metadata.name", ns.getMetadata().getName());
      ns.getMetadata().setLabels(labels);
      ns.setStatus(new NamespaceStatus(List.of(), "Active"));
    }
    return Serialization.asJson(object);
  }

  private static void generateName(HasMetadata object) {
    String name = object.getMetadata().getName();
    String prefix = object.getMetadata().getGenerateName();
    if ((name == null || name.isEmpty()) && prefix != null && !prefix.isEmpty()) {
      StringBuilder suffix = new StringBuilder();
      for (int i = 0; i < 5; i++) {
        suffix.append(NAME_ALPHABET.charAt(RANDOM.nextInt(NAME_ALPHABET.length())));
      }
      object.getMetadata().setName(prefix + suffix);
    }
  }

  private static void pod(Pod pod) {
    PodSpec spec = pod.getSpec();
    podSpec(spec);
    spec.setServiceAccountName(Objects.requireNonNullElse(spec.getServiceAccountName(), "default"));
    spec.setServiceAccount(spec.getServiceAccountName());
    // the Priority admission plugin resolves the two built-in classes; others are not simulated (0)
    int priority = "system-node-critical".equals(spec.getPriorityClassName()) ? 2000001000
        : "system-cluster-critical".equals(spec.getPriorityClassName()) ? 2000000000 : 0;
    spec.setPriority(Objects.requireNonNullElse(spec.getPriority(), priority));
    spec.setEnableServiceLinks(Objects.requireNonNullElse(spec.getEnableServiceLinks(), true));
    spec.setPreemptionPolicy(Objects.requireNonNullElse(spec.getPreemptionPolicy(), "PreemptLowerPriority"));
    spec.setTolerations(withDefaultTolerationSeconds(spec.getTolerations()));
    // PrepareForCreate: whatever status the client sent, a new pod is Pending
    PodStatus status = new PodStatus();
    status.setPhase("Pending");
    status.setQosClass(qosClass(spec));
    pod.setStatus(status);
  }

  /** SetDefaults_PodSpec and SetDefaults_Container, for pods and pod templates. */
  static void podSpec(PodSpec spec) {
    spec.setRestartPolicy(Objects.requireNonNullElse(spec.getRestartPolicy(), "Always"));
    spec.setTerminationGracePeriodSeconds(Objects.requireNonNullElse(spec.getTerminationGracePeriodSeconds(), 30L));
    spec.setDnsPolicy(Objects.requireNonNullElse(spec.getDnsPolicy(), "ClusterFirst"));
    spec.setSecurityContext(Objects.requireNonNullElse(spec.getSecurityContext(), new PodSecurityContext()));
    spec.setSchedulerName(Objects.requireNonNullElse(spec.getSchedulerName(), "default-scheduler"));
    for (Container c : spec.getContainers()) {
      c.setTerminationMessagePath(Objects.requireNonNullElse(c.getTerminationMessagePath(), "/dev/termination-log"));
      c.setTerminationMessagePolicy(Objects.requireNonNullElse(c.getTerminationMessagePolicy(), "File"));
      String image = c.getImage() == null ? "" : c.getImage();
      boolean latest = !image.contains(":") || image.endsWith(":latest");
      c.setImagePullPolicy(Objects.requireNonNullElse(c.getImagePullPolicy(), latest ? "Always" : "IfNotPresent"));
      c.setResources(Objects.requireNonNullElse(c.getResources(), new ResourceRequirements()));
      if (c.getPorts() != null) {
        for (ContainerPort p : c.getPorts()) {
          p.setProtocol(Objects.requireNonNullElse(p.getProtocol(), "TCP"));
        }
      }
    }
  }

  /** The DefaultTolerationSeconds admission plugin: 300 s on not-ready and unreachable, unless already tolerated. */
  private static List<Toleration> withDefaultTolerationSeconds(List<Toleration> existing) {
    List<Toleration> tolerations = new ArrayList<>(existing == null ? List.of() : existing);
    for (String key : List.of("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")) {
      // As the admission plugin: a toleration with no key counts, whatever its operator.
      boolean tolerated = tolerations.stream().anyMatch(t -> (key.equals(t.getKey()) || t.getKey() == null
          || t.getKey().isEmpty()) && (t.getEffect() == null || t.getEffect().isEmpty() || "NoExecute".equals(t.getEffect())));
      if (!tolerated) {
        tolerations.add(new TolerationBuilder().withKey(key).withOperator("Exists").withEffect("NoExecute")
            .withTolerationSeconds(300L).build());
      }
    }
    return tolerations;
  }

  private static String qosClass(PodSpec spec) {
    boolean anyRequest = false;
    boolean guaranteed = true;
    for (Container c : spec.getContainers()) {
      ResourceRequirements r = c.getResources();
      boolean requests = r != null && r.getRequests() != null && !r.getRequests().isEmpty();
      boolean limits = r != null && r.getLimits() != null && !r.getLimits().isEmpty();
      anyRequest |= requests || limits;
      guaranteed &= limits && r.getLimits().containsKey("cpu") && r.getLimits().containsKey("memory")
          && (!requests || r.getRequests().equals(r.getLimits()));
    }
    return !anyRequest ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
  }

  private static void statefulSet(StatefulSet sts) {
    var spec = sts.getSpec();
    spec.setReplicas(Objects.requireNonNullElse(spec.getReplicas(), 1));
    spec.setPodManagementPolicy(Objects.requireNonNullElse(spec.getPodManagementPolicy(), "OrderedReady"));
    spec.setRevisionHistoryLimit(Objects.requireNonNullElse(spec.getRevisionHistoryLimit(), 10));
    if (spec.getUpdateStrategy() == null) {
      spec.setUpdateStrategy(new StatefulSetUpdateStrategyBuilder().withType("RollingUpdate")
          .withNewRollingUpdate().withPartition(0).endRollingUpdate().build());
    }
    if (spec.getPersistentVolumeClaimRetentionPolicy() == null) {
      spec.setPersistentVolumeClaimRetentionPolicy(new StatefulSetPersistentVolumeClaimRetentionPolicy("Retain", "Retain"));
    }
    if (spec.getVolumeClaimTemplates() != null) {
      for (PersistentVolumeClaim template : spec.getVolumeClaimTemplates()) {
        template.getSpec().setVolumeMode(Objects.requireNonNullElse(template.getSpec().getVolumeMode(), "Filesystem"));
      }
    }
    podSpec(spec.getTemplate().getSpec());
  }

  private static void service(Service svc) {
    var spec = svc.getSpec();
    spec.setType(Objects.requireNonNullElse(spec.getType(), "ClusterIP"));
    spec.setSessionAffinity(Objects.requireNonNullElse(spec.getSessionAffinity(), "None"));
    if (spec.getClusterIP() == null || spec.getClusterIP().isEmpty()) {
      int n = NEXT_CLUSTER_IP.getAndIncrement();
      spec.setClusterIP("10.96." + (n / 250) + "." + (n % 250 + 1));
    }
    spec.setClusterIPs(List.of(spec.getClusterIP()));
    spec.setIpFamilies(Objects.requireNonNullElse(spec.getIpFamilies(), List.of("IPv4")));
    spec.setIpFamilyPolicy(Objects.requireNonNullElse(spec.getIpFamilyPolicy(), "SingleStack"));
    spec.setInternalTrafficPolicy(Objects.requireNonNullElse(spec.getInternalTrafficPolicy(), "Cluster"));
    if (spec.getPorts() != null) {
      for (ServicePort p : spec.getPorts()) {
        p.setProtocol(Objects.requireNonNullElse(p.getProtocol(), "TCP"));
        p.setTargetPort(Objects.requireNonNullElse(p.getTargetPort(), new IntOrString(p.getPort())));
      }
    }
  }
}
