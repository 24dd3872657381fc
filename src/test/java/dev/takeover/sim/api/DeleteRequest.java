package dev.takeover.sim.api;

import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.HttpUrl;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.nio.charset.StandardCharsets;

/** The DeleteOptions of a DELETE request: from its body (fabric8, kubectl) or its query (gracePeriodSeconds=N). */
final class DeleteRequest {
  private DeleteRequest() {}

  static DeleteOptions options(RecordedRequest request) {
    String body = request.getBody() == null ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
    DeleteOptions options = body.isBlank() ? new DeleteOptions() : Serialization.unmarshal(body, DeleteOptions.class);
    HttpUrl url = HttpUrl.parse("http://localhost" + request.getPath());
    String grace = url == null ? null : url.queryParameter("gracePeriodSeconds");
    if (options.getGracePeriodSeconds() == null && grace != null) {
      options.setGracePeriodSeconds(Long.parseLong(grace));
    }
    return options;
  }
}
