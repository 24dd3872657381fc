package dev.takeover.kube;

import dev.takeover.kube.PodOps.EvictionAnswer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Reading what a real v1.32 API server answered to evictions (bodies recorded in src/test/resources/k8s-api). */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EvictionAnswerTest {

  @Test
  void a_201_means_the_eviction_was_accepted() throws IOException {
    assertEquals(EvictionAnswer.Kind.ACCEPTED, EvictionAnswer.of(201, body("evict-201-ok"), null).kind());
  }

  @Test
  void a_201_for_a_pod_already_terminating_is_accepted_too() throws IOException {
    assertEquals(EvictionAnswer.Kind.ACCEPTED, EvictionAnswer.of(201, body("evict-terminating-pod"), null).kind());
  }

  @Test
  void a_404_means_the_planned_pod_is_gone() throws IOException {
    assertEquals(EvictionAnswer.Kind.GONE, EvictionAnswer.of(404, body("evict-404-missing"), null).kind());
  }

  @Test
  void a_409_on_the_uid_precondition_means_the_name_belongs_to_a_recreated_pod() throws IOException {
    EvictionAnswer a = EvictionAnswer.of(409, body("evict-409-uid-precondition"), null);
    assertEquals(EvictionAnswer.Kind.GONE, a.kind());
  }

  @Test
  void a_409_on_the_resource_version_precondition_names_the_pod_kind_too_and_is_read_again_not_taken_for_gone() {
    // rest.BeforeDelete names the kind ("Pod") for both preconditions; the eviction handler sets the version one.
    EvictionAnswer a = EvictionAnswer.of(409, "{\"kind\":\"Status\",\"message\":\"Operation cannot be fulfilled on"
        + " Pod \\\"mysql-0\\\": the ResourceVersion in the precondition (7) does not match the ResourceVersion in record"
        + " (8). The object might have been modified\",\"reason\":\"Conflict\",\"details\":{\"name\":\"mysql-0\","
        + "\"kind\":\"Pod\"},\"code\":409}", null);
    assertEquals(EvictionAnswer.Kind.CONFLICT, a.kind());
  }

  @Test
  void a_409_from_the_storage_precondition_check_means_gone_too() {
    EvictionAnswer a = EvictionAnswer.of(409, "{\"kind\":\"Status\",\"message\":\"Operation cannot be fulfilled on"
        + " pods \\\"mysql-0\\\": Precondition failed: UID in precondition: 1, UID in object meta: 2\","
        + "\"details\":{\"name\":\"mysql-0\",\"kind\":\"pods\"},\"code\":409}", null);
    assertEquals(EvictionAnswer.Kind.GONE, a.kind());
  }

  @Test
  void a_409_of_unknown_wording_asks_for_the_pod_to_be_read_again() {
    EvictionAnswer a = EvictionAnswer.of(409, "{\"kind\":\"Status\",\"message\":\"something new\",\"code\":409}", null);
    assertEquals(EvictionAnswer.Kind.CONFLICT, a.kind());
  }

  @Test
  void a_409_conflict_without_precondition_is_retried() {
    EvictionAnswer a = EvictionAnswer.of(409, "{\"kind\":\"Status\",\"message\":\"Operation cannot be fulfilled on"
        + " poddisruptionbudgets.policy \\\"mysql\\\": the object has been modified\",\"code\":409}", null);
    assertEquals(EvictionAnswer.Kind.RETRY, a.kind());
  }

  @Test
  void a_429_names_the_disruption_budget_and_honours_retry_after() throws IOException {
    EvictionAnswer a = EvictionAnswer.of(429, body("evict-429-pdb"), "7");
    assertEquals(EvictionAnswer.Kind.BLOCKED, a.kind());
    assertEquals("The disruption budget mysql needs 1 healthy pods and has 1 currently", a.budget());
    assertEquals(Duration.ofSeconds(7), a.retryAfter());
  }

  @Test
  void a_429_without_a_budget_is_throttling_and_retried() {
    EvictionAnswer a = EvictionAnswer.of(429, "{\"kind\":\"Status\",\"message\":\"Too many requests\",\"code\":429}", null);
    assertEquals(EvictionAnswer.Kind.RETRY, a.kind());
    assertNull(a.budget());
  }

  @Test
  void several_budgets_for_one_pod_is_refused_for_good() {
    EvictionAnswer a = EvictionAnswer.of(500, "{\"kind\":\"Status\",\"message\":\"This pod has more than one"
        + " PodDisruptionBudget, which the eviction subresource does not support.\",\"code\":500}", null);
    assertEquals(EvictionAnswer.Kind.REFUSED, a.kind());
  }

  @Test
  void forbidden_is_refused_for_good_and_a_body_that_is_not_json_is_still_read() {
    EvictionAnswer a = EvictionAnswer.of(403, "<html>forbidden</html>", null);
    assertEquals(EvictionAnswer.Kind.REFUSED, a.kind());
    assertEquals("<html>forbidden</html>", a.message());
  }

  static String body(String name) throws IOException {
    try (InputStream in = EvictionAnswerTest.class.getResourceAsStream("/k8s-api/" + name + ".json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
