package dev.takeover.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The API's bearer token check (also Alertmanager's: it sends the same token). Compared in constant time (MessageDigest.isEqual), so the answer's timing does not
 * tell how much of a guess was right; the token itself is never logged or echoed.
 */
public final class BearerToken {
  private final byte[] token;

  public BearerToken(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  public boolean configured() {
    return token.length > 0;
  }

  /** Null when {@code authorization} carries the token; otherwise the reply to send. */
  public Reply refuse(String authorization) {
    if (!configured()) {
      return Reply.error(503, "api-off", "the ticket API is off: set http.apiToken (TAKEOVER_HTTP_API_TOKEN) or "
          + "http.apiTokenFile");
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Reply.error(401, "unauthorized", "send the API token as Authorization: Bearer <token>")
          .withHeader("WWW-Authenticate", "Bearer");
    }
    byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(given, token)) {
      return Reply.error(401, "unauthorized", "the API token is not the right one")
          .withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    }
    return null;
  }
}
