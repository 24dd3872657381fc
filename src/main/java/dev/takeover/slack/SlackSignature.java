package dev.takeover.slack;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Slack's v0 request signature ("Verifying requests from Slack"): {@code X-Slack-Signature} is {@code v0=} and the
 * hex HMAC-SHA256, keyed with the app's signing secret, of {@code v0:<X-Slack-Request-Timestamp>:<raw body>}.
 * Checked over the bytes as they arrived, before anything of the body is parsed, and compared in constant time
 * ({@link MessageDigest#isEqual}) so that the answer's timing does not tell how much of a forgery was right. A
 * timestamp more than {@link #TOLERANCE} from this clock, either way, is refused: a recorded request cannot be
 * replayed later. The clock is given in, so that Slack's documented example (from 2018) can be checked.
 */
public final class SlackSignature {
  public static final String SIGNATURE = "X-Slack-Signature";
  public static final String TIMESTAMP = "X-Slack-Request-Timestamp";
  static final Duration TOLERANCE = Duration.ofMinutes(5);
  private static final String VERSION = "v0";

  private final byte[] secret;
  private final Clock clock;

  public SlackSignature(String signingSecret, Clock clock) {
    this.secret = signingSecret.getBytes(StandardCharsets.UTF_8);
    this.clock = clock;
  }

  /**
   * Null when the request is Slack's, else one line saying why not (never naming the secret or the expected
   * signature). Never throws.
   */
  public String refuse(String timestamp, String signature, byte[] body) {
    if (secret.length == 0) {
      return "no signing secret is configured";
    }
    if (timestamp == null || signature == null) {
      return "the request is not signed: " + TIMESTAMP + " and " + SIGNATURE + " are required";
    }
    long seconds;
    // Digits only, and few: a Unix time in seconds. Anything else is not Slack's.
    if (timestamp.isEmpty() || timestamp.length() > 12 || !timestamp.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return TIMESTAMP + " is not a Unix time in seconds";
    }
    seconds = Long.parseLong(timestamp);
    long now = clock.instant().getEpochSecond();
    if (Math.abs(now - seconds) > TOLERANCE.toSeconds()) {
      return "the request's timestamp is more than " + TOLERANCE.toMinutes() + " minutes from this server's clock";
    }
    byte[] expected = sign(secret, timestamp, body).getBytes(StandardCharsets.US_ASCII);
    byte[] given = signature.trim().getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(expected, given)) {
      return "the signature does not match the request";
    }
    return null;
  }

  /** {@code v0=<hex>}: what Slack sends for this timestamp and body (tests and benchmarks sign with it too). */
  public static String sign(String signingSecret, String timestamp, byte[] body) {
    return sign(signingSecret.getBytes(StandardCharsets.UTF_8), timestamp, body);
  }

  private static String sign(byte[] key, String timestamp, byte[] body) {
    try {
      // A Mac is not thread-safe; one per request costs a few microseconds.
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update((VERSION + ":" + timestamp + ":").getBytes(StandardCharsets.UTF_8));
      return VERSION + "=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime has HmacSHA256", e);
    }
  }
}
