package dev.takeover.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The chart {@code helm/takeover}, rendered and linted by Helm itself (helm-java bundles Helm as a native library:
 * no helm binary, no cluster). Objects come back as fabric8 reads them: typed for the built-in kinds,
 * {@code GenericKubernetesResource} for the Prometheus Operator's. Public for the scenarios, which run the engine
 * under the chart's ServiceAccount and RBAC.
 */
public final class Chart {
  static final Path DIR = Path.of("helm/takeover");
  /** Every optional part on: ServiceMonitor, PrometheusRule, dashboard, every Secret reference. */
  static final Path ALL_ON = DIR.resolve("ci/all-on-values.yaml");
  public static final String RELEASE = "takeover";
  public static final String NAMESPACE = "takeover";
  static final String KUBE_VERSION = "v1.32.13";

  private Chart() {}

  /** {@code helm template takeover helm/takeover -n takeover -f each values file --set each}. */
  static String template(List<Path> valuesFiles, Map<String, Object> sets) {
    return template(RELEASE, NAMESPACE, valuesFiles, sets);
  }

  /** {@code helm template RELEASE helm/takeover -n NAMESPACE ...}: another release of the chart. */
  static String template(String release, String namespace, List<Path> valuesFiles, Map<String, Object> sets) {
    // The recorded seed cluster is v1.32; helm template would otherwise assume v1.20, older than the chart allows.
    TemplateCommand t = new Helm(DIR).template().withName(release).withNamespace(namespace).withKubeVersion(KUBE_VERSION);
    valuesFiles.forEach(t::withValuesFile);
    sets.forEach(t::set);
    return t.call();
  }

  public static String template(Path... valuesFiles) {
    return template(List.of(valuesFiles), Map.of());
  }

  /**
   * {@code helm lint --strict} of the chart with these values over its own: lint reads values.yaml only, so the chart
   * is copied and its values.yaml replaced by the merge (as helm merges -f files: maps deeply, the rest replaced).
   */
  static LintResult lint(Path work, Path... valuesFiles) {
    if (valuesFiles.length == 0) {
      return new Helm(DIR).lint().strict().call();
    }
    Path copy = work.resolve("takeover");
    copyTree(DIR, copy);
    Map<String, Object> values = read(DIR.resolve("values.yaml"));
    for (Path f : valuesFiles) {
      values = merge(values, read(f));
    }
    try {
      Files.writeString(copy.resolve("values.yaml"), new Yaml().dump(values));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Helm(copy).lint().strict().call();
  }

  /** The rendered documents as Kubernetes objects. */
  public static List<HasMetadata> objects(String rendered) {
    List<HasMetadata> out = new ArrayList<>();
    KubernetesSerialization serialization = new KubernetesSerialization();
    for (String doc : rendered.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
        continue;
      }
      out.add(serialization.unmarshal(doc, HasMetadata.class));
    }
    return out;
  }

  static Map<String, Object> read(Path file) {
    try {
      return readYaml(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> readYaml(String text) {
    Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    return loaded == null ? new LinkedHashMap<>() : (Map<String, Object>) loaded;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> over) {
    Map<String, Object> out = new LinkedHashMap<>(base);
    over.forEach((k, v) -> {
      Object b = out.get(k);
      out.put(k, b instanceof Map && v instanceof Map
          ? merge((Map<String, Object>) b, (Map<String, Object>) v) : v);
    });
    return out;
  }

  private static void copyTree(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
