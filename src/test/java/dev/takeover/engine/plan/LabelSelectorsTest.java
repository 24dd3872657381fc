package dev.takeover.engine.plan;

import static dev.takeover.engine.plan.Fixtures.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class LabelSelectorsTest {
  private static final Map<String, String> MYSQL = labels("app", "mysql", "tier", "db");

  static Stream<Arguments> selectors() {
    return Stream.of(
        Arguments.of("a null selector matches nothing", null, MYSQL, false),
        Arguments.of("an empty selector matches every pod (policy/v1)", new LabelSelector(), MYSQL, true),
        Arguments.of("an empty selector matches even a pod without labels", new LabelSelector(), Map.of(), true),
        Arguments.of("matchLabels match when every pair is there", matchLabels("app", "mysql"), MYSQL, true),
        Arguments.of("matchLabels do not match another value", matchLabels("app", "web"), MYSQL, false),
        Arguments.of("matchLabels do not match a missing label", matchLabels("zone", "a"), MYSQL, false),
        Arguments.of("matchLabels and expressions are ANDed", both(), MYSQL, false),
        Arguments.of("In matches a listed value", expression("tier", "In", "db", "cache"), MYSQL, true),
        Arguments.of("In does not match a missing label", expression("zone", "In", "a"), MYSQL, false),
        Arguments.of("NotIn matches another value", expression("tier", "NotIn", "web"), MYSQL, true),
        Arguments.of("NotIn matches a missing label", expression("zone", "NotIn", "a"), MYSQL, true),
        Arguments.of("NotIn does not match a listed value", expression("tier", "NotIn", "db"), MYSQL, false),
        Arguments.of("Exists matches a present label", expression("app", "Exists"), MYSQL, true),
        Arguments.of("Exists does not match a missing label", expression("zone", "Exists"), MYSQL, false),
        Arguments.of("DoesNotExist matches a missing label", expression("zone", "DoesNotExist"), MYSQL, true),
        Arguments.of("DoesNotExist does not match a present label", expression("app", "DoesNotExist"), MYSQL, false),
        Arguments.of("In with no values is invalid and matches nothing", expression("app", "In"), MYSQL, false),
        Arguments.of("Exists with values is invalid and matches nothing", expression("app", "Exists", "mysql"), MYSQL, false),
        Arguments.of("an unknown operator is invalid and matches nothing", expression("app", "Gt", "1"), MYSQL, false),
        Arguments.of("pod labels may be null", matchLabels("app", "mysql"), null, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("selectors")
  void a_selector_matches_labels_as_the_eviction_api_does(
      String scenario, LabelSelector selector, Map<String, String> labels, boolean expected) {
    assertEquals(expected, LabelSelectors.matches(selector, labels), scenario);
  }

  private static LabelSelector matchLabels(String key, String value) {
    return new LabelSelectorBuilder().addToMatchLabels(key, value).build();
  }

  private static LabelSelector expression(String key, String operator, String... values) {
    return new LabelSelectorBuilder()
        .withMatchExpressions(new LabelSelectorRequirementBuilder()
            .withKey(key).withOperator(operator).withValues(values).build())
        .build();
  }

  private static LabelSelector both() {
    return new LabelSelectorBuilder(matchLabels("app", "mysql"))
        .addToMatchExpressions(new LabelSelectorRequirementBuilder().withKey("tier").withOperator("In").withValues("web").build())
        .build();
  }
}
