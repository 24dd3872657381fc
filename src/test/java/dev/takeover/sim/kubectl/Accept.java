package dev.takeover.sim.kubectl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An {@code Accept} header as the API server negotiates it: media ranges in the client's order, with the
 * {@code as}, {@code g}, {@code v} parameters that ask for a Table or for aggregated discovery.
 */
record Accept(List<MediaRange> ranges) {

  record MediaRange(String mediaType, Map<String, String> params) {
    boolean asKind(String kind, String group) {
      return "application/json".equals(mediaType) && kind.equals(params.get("as")) && group.equals(params.get("g"));
    }
  }

  static Accept parse(String header) {
    List<MediaRange> ranges = new ArrayList<>();
    if (header != null) {
      for (String range : header.split(",")) {
        String[] parts = range.split(";");
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
          int eq = parts[i].indexOf('=');
          if (eq > 0) {
            params.put(parts[i].substring(0, eq).trim(), parts[i].substring(eq + 1).trim());
          }
        }
        ranges.add(new MediaRange(parts[0].trim().toLowerCase(Locale.ROOT), params));
      }
    }
    return new Accept(List.copyOf(ranges));
  }

  /** The {@code meta.k8s.io} Table version asked for ("v1" or "v1beta1"), first in the client's order. */
  Optional<String> tableVersion() {
    return firstVersion("Table", "meta.k8s.io", List.of("v1", "v1beta1"));
  }

  /** The aggregated discovery version asked for ("v2" or "v2beta1"), first in the client's order. */
  Optional<String> aggregatedDiscoveryVersion() {
    return firstVersion("APIGroupDiscoveryList", "apidiscovery.k8s.io", List.of("v2", "v2beta1"));
  }

  boolean mentionsProtobuf() {
    return ranges.stream().anyMatch(r -> r.mediaType().equals("application/vnd.kubernetes.protobuf"));
  }

  private Optional<String> firstVersion(String kind, String group, List<String> served) {
    return ranges.stream()
        .filter(r -> r.asKind(kind, group) && served.contains(r.params().get("v")))
        .map(r -> r.params().get("v"))
        .findFirst();
  }
}
