package dev.takeover.sim;

import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Requests sent as bytes, for tests that compare status codes and bodies with the recorded ones. */
final class RawApi {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  RawApi(SimulatedCluster cluster) {
    this.base = cluster.masterUrl();
  }

  record Answer(int code, String body) {
    Object json() {
      return tree(body);
    }
  }

  Answer post(String path, String body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  Answer get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Answer patch(String path, String contentType, String body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
  }

  private Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = http.send(request.header("Accept", "application/json")
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A recorded answer from src/test/resources/sim/, with placeholders replaced ("NAME" → value, in pairs). */
  static Object fixture(String name, String... replacements) {
    try (InputStream in = RawApi.class.getResourceAsStream("/sim/" + name)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (int i = 0; i + 1 < replacements.length; i += 2) {
        text = text.replace(replacements[i], replacements[i + 1]);
      }
      return tree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** JSON as maps and lists, so that two answers compare with equals regardless of key order. */
  static Object tree(String json) {
    return Serialization.unmarshal(json, Object.class);
  }
}
