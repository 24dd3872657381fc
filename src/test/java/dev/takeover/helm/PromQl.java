package dev.takeover.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The PromQL of the chart's PrometheusRule and Grafana dashboard, and the metric names it reads. */
final class PromQl {
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
      "group_left", "group_right", "bool", "offset", "inf", "nan");
  /** A name not glued to a number or another name: the "m" of "30m" is no metric. */
  private static final Pattern NAME = Pattern.compile("(?<![A-Za-z0-9_:.$])[a-zA-Z_:][a-zA-Z0-9_:]*");

  private PromQl() {}

  /** The metric names an expression selects: no function, keyword, label, label value, range or grouping label. */
  static Set<String> metricNames(String expr) {
    String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^]]*]", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(s);
    while (m.find()) {
      String rest = s.substring(m.end()).stripLeading();
      if (!rest.startsWith("(") && !KEYWORDS.contains(m.group())) {
        names.add(m.group());
      }
    }
    return names;
  }

  /** Each alert's name and expression, from the rendered PrometheusRule. */
  @SuppressWarnings("unchecked")
  static Map<String, String> alerts(List<HasMetadata> objects) {
    GenericKubernetesResource rule = (GenericKubernetesResource) objects.stream()
        .filter(o -> o.getKind().equals("PrometheusRule")).findFirst().orElseThrow();
    Map<String, String> out = new java.util.LinkedHashMap<>();
    List<Map<String, Object>> groups = (List<Map<String, Object>>) ((Map<String, Object>) rule.getAdditionalProperties()
        .get("spec")).get("groups");
    for (Map<String, Object> g : groups) {
      for (Map<String, Object> r : (List<Map<String, Object>>) g.get("rules")) {
        out.put(String.valueOf(r.get("alert")), String.valueOf(r.get("expr")));
      }
    }
    return out;
  }

  /** Every target expression of the dashboard's panels. */
  static List<String> dashboardQueries(List<HasMetadata> objects) {
    ConfigMap cm = (ConfigMap) objects.stream()
        .filter(o -> o instanceof ConfigMap c && c.getMetadata().getLabels().containsKey("grafana_dashboard"))
        .findFirst().orElseThrow();
    JsonObject dashboard = new JsonObject(cm.getData().values().iterator().next());
    List<String> out = new ArrayList<>();
    for (Object p : dashboard.getJsonArray("panels")) {
      for (Object t : ((JsonObject) p).getJsonArray("targets", new JsonArray())) {
        out.add(((JsonObject) t).getString("expr"));
      }
    }
    return out;
  }
}
