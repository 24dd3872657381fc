package dev.takeover.slack;

import dev.takeover.daemon.TriggerConfig;
import dev.takeover.ticket.TicketEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The notifier against a local HTTP server playing a command's response_url, which Slack takes 5 posts to: whatever
 * comes before (a late answer to the command, much progress), the end of the run gets one of them.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SlackNotifierTest {
  static final Duration BOUND = Duration.ofSeconds(30);
  final Vertx vertx = Vertx.vertx();
  final List<JsonObject> received = new ArrayList<>();
  HttpServer slack;

  @BeforeEach
  void slack() throws Exception {
    slack = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      synchronized (received) {
        received.add(b.toJsonObject());
        received.notifyAll();
      }
      req.response().end("ok");
    }));
    slack.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    vertx.deployVerticle(new SlackNotifier(new TriggerConfig.Slack("canary-signing-secret", Set.of(), Set.of(), ""),
        Clock.systemUTC())).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void a_late_answer_counts_among_the_five_posts_so_that_the_end_still_gets_one() {
    String ticket = "slack-0a1b2c3d4e";
    new ResponseUrls(vertx).register(ticket, "http://127.0.0.1:" + slack.actualPort() + "/commands/T1/42/canary",
        Instant.now());
    // Kafka was slow: the command's answer came after Slack's 3 s, to the response_url.
    vertx.eventBus().send(SlackNotifier.LATE_ANSWER, new JsonObject().put("ticket", ticket)
        .put("message", BlockKit.ephemeral("Ticket `" + ticket + "` made")));
    await(r -> r.size() == 1);
    // A ticket that waits a long time for its window says so more than Slack would take.
    for (int i = 0; i < 4; i++) {
      publish("scheduled", ticket, new JsonObject().put("reason", "the window opens in " + (4 - i) + " h"));
    }
    publish("started", ticket, new JsonObject().put("kind", "takeover"));
    publish("completed", ticket, new JsonObject().put("tookMs", 4200));

    List<JsonObject> posts = await(r -> r.stream().anyMatch(m -> m.getString("text").contains("completed")));
    assertEquals(5, posts.size(), "Slack refuses a 6th post to a response_url: " + posts);
    assertTrue(posts.get(0).getString("text").contains("made"), posts.get(0).encode());
    assertTrue(posts.get(4).getString("text").contains("completed in 4.2 s"), posts.get(4).encode());
  }

  void publish(String type, String ticket, JsonObject data) {
    vertx.eventBus().publish(TicketEvent.ADDRESS, new JsonObject().put("type", type).put("ticket", ticket)
        .put("node", "kube-node02").put("time", Instant.now().toString()).put("data", data));
  }

  List<JsonObject> await(Predicate<List<JsonObject>> until) {
    long deadline = System.nanoTime() + BOUND.toNanos();
    synchronized (received) {
      while (!until.test(received)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("not received within " + BOUND + ": " + received);
        }
        try {
          received.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
      return List.copyOf(received);
    }
  }
}
