package dev.takeover.http;

import dev.takeover.daemon.TriggerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP server itself, with real requests: routing, body limits, and failures that never reach the client. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HttpServerTest {
  final Vertx vertx = Vertx.vertx();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final List<String> observed = new CopyOnWriteArrayList<>();
  String base;

  @BeforeEach
  void start() throws Exception {
    List<Route> routes = List.of(
        Route.get("/things/{name}", r -> Future.succeededFuture(Reply.json(200, new JsonObject().put("name", r.param("name"))))),
        Route.post("/echo", r -> Future.succeededFuture(Reply.json(200, new JsonObject().put("bytes", r.body().length())))),
        Route.get("/fails", r -> Future.failedFuture("secret-detail-in-a-failure")),
        Route.get("/throws", r -> {
          throw new IllegalStateException("secret-detail-in-an-exception");
        }),
        Route.get("/nothing", r -> Future.succeededFuture(null)));
    Function<Vertx, Routes> input = v -> Routes.of(routes);
    HttpServerVerticle server = new HttpServerVerticle(new TriggerConfig.Http("127.0.0.1", 0, 1024, ""),
        List.of(input), (route, method, status, took) -> observed.add(method + " " + route + " " + status));
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void a_route_gets_its_path_parameter_decoded_and_the_request_is_counted_by_its_pattern() throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/things/a%20b")).GET());
    assertEquals(200, r.statusCode());
    assertEquals("a b", new JsonObject(r.body()).getString("name"));
    assertEquals(List.of("GET /things/{name} 200"), observed, "the pattern, never the name: few series");
  }

  @Test
  void an_unknown_path_is_404_and_a_known_one_with_another_method_is_405_naming_the_allowed_one() throws Exception {
    HttpResponse<String> missing = send(HttpRequest.newBuilder(URI.create(base + "/nowhere")).GET());
    assertEquals(404, missing.statusCode());
    assertEquals("not-found", new JsonObject(missing.body()).getString("error"));
    HttpResponse<String> wrong = send(HttpRequest.newBuilder(URI.create(base + "/echo")).GET());
    assertEquals(405, wrong.statusCode());
    assertEquals("POST", wrong.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void a_method_the_server_does_not_know_is_501_and_counted_as_other_so_clients_cannot_add_series() throws Exception {
    for (String method : List.of("FOO123", "BAR456")) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/echo"))
          .method(method, HttpRequest.BodyPublishers.noBody()));
      assertEquals(501, r.statusCode(), method);
      assertEquals("not-implemented", new JsonObject(r.body()).getString("error"));
    }
    assertEquals(List.of("other unmatched 501", "other unmatched 501"), observed);
  }

  @Test
  void a_body_over_the_limit_is_413_whether_its_length_is_declared_or_streamed() throws Exception {
    HttpResponse<String> declared = send(HttpRequest.newBuilder(URI.create(base + "/echo"))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(2000))));
    assertEquals(413, declared.statusCode());
    assertEquals("too-large", new JsonObject(declared.body()).getString("error"));
    // No Content-Length: a stream of unknown length, cut off once it passes the limit.
    HttpResponse<String> streamed = send(HttpRequest.newBuilder(URI.create(base + "/echo"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[5000]))));
    assertEquals(413, streamed.statusCode());
    HttpResponse<String> fits = send(HttpRequest.newBuilder(URI.create(base + "/echo"))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000))));
    assertEquals(200, fits.statusCode());
    assertEquals(1000, new JsonObject(fits.body()).getInteger("bytes"));
  }

  @Test
  void a_route_that_fails_throws_or_answers_nothing_gets_a_500_without_any_detail() throws Exception {
    for (String path : List.of("/fails", "/throws", "/nothing")) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + path)).GET());
      assertEquals(500, r.statusCode(), path);
      assertEquals("internal", new JsonObject(r.body()).getString("error"), path);
      assertFalse(r.body().contains("secret-detail"), r.body());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
