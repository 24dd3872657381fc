package dev.takeover.sim.kubectl;

import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Test-only stand-in for the simulator core's field indexing, so that these tests see {@code kubectl describe
 * node} as it will be: a list with a {@code fieldSelector} is asked of the CRUD mock without it, then filtered
 * here on the named fields ({@code spec.nodeName=kube-node01}, {@code status.phase!=Failed},
 * {@code involvedObject.namespace=}). Not part of the facade, which passes selectors through untouched.
 */
final class FieldSelectorStandIn extends Dispatcher {
  private final Dispatcher crud;

  FieldSelectorStandIn(Dispatcher crud) {
    this.crud = crud;
  }

  private record Requirement(String[] path, String value, boolean equal) {
    boolean matches(JsonObject object) {
      Object current = object;
      for (String key : path) {
        current = current instanceof JsonObject json ? json.getValue(key) : null;
      }
      String actual = current == null ? "" : String.valueOf(current);
      return equal == actual.equals(value);
    }
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String path = request.getPath();
    int q = path.indexOf('?');
    if (!"GET".equals(request.getMethod()) || q < 0 || !path.contains("fieldSelector=") || path.contains("watch=")) {
      return crud.dispatch(request);
    }
    List<String> kept = new ArrayList<>();
    List<Requirement> requirements = new ArrayList<>();
    for (String pair : path.substring(q + 1).split("&")) {
      if (pair.startsWith("fieldSelector=")) {
        String selector = URLDecoder.decode(pair.substring("fieldSelector=".length()), StandardCharsets.UTF_8);
        for (String requirement : selector.split(",")) {
          boolean notEqual = requirement.contains("!=");
          String[] kv = requirement.split(notEqual ? "!=" : "==?", 2);
          requirements.add(new Requirement(kv[0].split("\\."), kv.length > 1 ? kv[1] : "", !notEqual));
        }
      } else {
        kept.add(pair);
      }
    }
    String unfiltered = path.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    MockResponse response = crud.dispatch(new RecordedRequest(request.getHttpVersion(), request.method(), unfiltered,
        request.getHeaders(), new Buffer()));
    if (response.code() != 200 || response.getBody() == null) {
      return response;
    }
    JsonObject list = new JsonObject(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
    JsonArray items = list.getJsonArray("items");
    if (items == null) {
      return response;
    }
    list.put("items", new JsonArray(items.stream().map(JsonObject.class::cast)
        .filter(item -> requirements.stream().allMatch(r -> r.matches(item)))
        .collect(Collectors.toList())));
    return new MockResponse().setResponseCode(200).setBody(list.encode());
  }
}
