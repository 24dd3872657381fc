package dev.takeover.helm;

import dev.takeover.sim.Await;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The daemon's ticket API over real HTTP requests, with its bearer token. */
record TicketApi(HttpClient http, String base, String token) {

  /** POST /api/v1/tickets; the ticket must be taken (202). */
  void post(String ticket) {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/tickets"))
        .POST(HttpRequest.BodyPublishers.ofString(ticket)));
    if (r.statusCode() != 202) {
      throw new AssertionError("POST /api/v1/tickets: " + r.statusCode() + " " + r.body());
    }
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  /** The ticket's state once it is done (within 90 s), as GET /api/v1/tickets/{id} answers it. */
  JsonObject awaitDone(String id) {
    JsonObject[] last = new JsonObject[1];
    Await.await(id + " done", Duration.ofSeconds(90), () -> {
      HttpResponse<String> r = get("/api/v1/tickets/" + id);
      last[0] = r.statusCode() == 200 ? new JsonObject(r.body()) : null;
      return last[0] != null && "done".equals(last[0].getString("state"));
    });
    return last[0];
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(request.build().method() + " " + request.build().uri() + ": " + e, e);
    }
  }
}
