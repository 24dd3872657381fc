package dev.takeover.sim.api;

import io.fabric8.mockwebserver.http.MockResponse;

/** Aborts a change inside {@link SimStore#atomically} and carries the answer the client gets instead. */
public final class ApiError extends RuntimeException {
  private final transient MockResponse response;

  public ApiError(MockResponse response) {
    super(response.code() + " " + new String(response.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8), null, false, false);
    this.response = response;
  }

  public MockResponse response() {
    return response;
  }
}
