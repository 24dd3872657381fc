package dev.takeover.sim;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/** Requests sent as bytes, for tests that compare status codes and bodies with the recorded ones. */
final class RawApi {
  private final HttpClient http;
  private final String base;

  /** Through a client of the cluster (closed with it, so it holds no connection open), without fabric8's retries. */
  RawApi(SimulatedCluster cluster) {
    this(cluster, UnaryOperator.identity());
  }

  /** As above, the client's configuration adjusted (e.g. to impersonate a user). */
  RawApi(SimulatedCluster cluster, UnaryOperator<ConfigBuilder> adjust) {
    this.http = cluster.newClient(config -> adjust.apply(config.withRequestRetryBackoffLimit(0))).getHttpClient();
    this.base = cluster.masterUrl();
  }

  record Answer(int code, String body) {
    Object json() {
      return tree(body);
    }
  }

  Answer post(String path, String body) {
    return send(http.newHttpRequestBuilder().uri(base + path).post("application/json", body.getBytes(StandardCharsets.UTF_8)));
  }

  Answer get(String path) {
    return send(http.newHttpRequestBuilder().uri(base + path));
  }

  Answer delete(String path) {
    return send(http.newHttpRequestBuilder().uri(base + path).delete("application/json", "{}"));
  }

  Answer patch(String path, String contentType, String body) {
    return send(http.newHttpRequestBuilder().uri(base + path).method("PATCH", contentType, body));
  }

  private Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = http.sendAsync(request.header("Accept", "application/json").build(), String.class)
          .get(10, TimeUnit.SECONDS);
      return new Answer(response.code(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
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
