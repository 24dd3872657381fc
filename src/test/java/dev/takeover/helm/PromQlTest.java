package dev.takeover.helm;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The metric names read out of the chart's PromQL: functions, keywords, labels, ranges and durations are not. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PromQlTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      a quantile over a histogram's buckets, grouped             | histogram_quantile(0.95, sum by (le, step) (rate(takeover_step_duration_seconds_bucket{namespace="$namespace"}[$__rate_interval]))) | takeover_step_duration_seconds_bucket
      a born counter caught with unless and offset               | sum by (namespace) (x_total{result="failed"} unless x_total{result="failed"} offset 30m) > 0 | x_total
      two metrics joined by or, absent of one                    | (sum by (namespace) (takeover_leader{namespace="t"}) < 1) or absent(takeover_leader{namespace="t"}) | takeover_leader
      a label value that looks like a metric is not one          | count(max by (node) (takeover_node_cordoned{node="takeover_runs_in_progress"})) or vector(0) | takeover_node_cordoned
      two metrics in one expression                              | max(takeover_watches_failing) + sum without (resource) (takeover_watch_failures_total) | takeover_watch_failures_total takeover_watches_failing
      """)
  void reads_the_metric_names_only(String what, String expr, String names) {
    assertEquals(Set.of(names.split(" ")), PromQl.metricNames(expr), what);
  }
}
