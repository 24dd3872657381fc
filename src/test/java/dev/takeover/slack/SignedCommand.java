package dev.takeover.slack;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A slash command as Slack posts it: the form body, and the request signed with a secret at a time. */
public final class SignedCommand {
  private SignedCommand() {}

  /** The form of {@code /takeover <text>} typed by {@code userId} (alice) in {@code channelId} (#ops). */
  public static String form(String userId, String channelId, String text, String responseUrl) {
    return "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&channel_id=" + enc(channelId)
        + "&channel_name=ops&user_id=" + enc(userId) + "&user_name=alice&command=%2Ftakeover&text=" + enc(text)
        + "&api_app_id=A123456&is_enterprise_install=false&response_url=" + enc(responseUrl)
        + "&trigger_id=13345224609.738474920.8088930838d88f008e0";
  }

  /** POST {@code base}/slack/commands with {@code body}, signed with {@code secret} at {@code epochSecond}. */
  public static HttpRequest request(String base, String secret, long epochSecond, String body) {
    String ts = String.valueOf(epochSecond);
    return builder(base, body).header(SlackSignature.TIMESTAMP, ts)
        .header(SlackSignature.SIGNATURE, SlackSignature.sign(secret, ts, body.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  /** The request without any signature header (tests add what they want). */
  public static HttpRequest.Builder builder(String base, String body) {
    return HttpRequest.newBuilder(URI.create(base + "/slack/commands")).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
