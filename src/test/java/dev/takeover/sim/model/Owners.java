package dev.takeover.sim.model;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

import java.nio.charset.StandardCharsets;

/** Controller references and the hashes controllers name things by. */
public final class Owners {
  private Owners() {}

  private static final String SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  /** What a controller puts on what it creates: controller and blockOwnerDeletion true. */
  public static OwnerReference controllerRef(HasMetadata owner) {
    return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true).build();
  }

  /**
   * A template hash in the form controllers use (controller.ComputeHash: FNV-32a, then rand.SafeEncodeString of its
   * decimal digits), e.g. "848b448f64". Computed over the template's JSON, so values differ from a real cluster's.
   */
  public static String templateHash(String json) {
    int hash = 0x811c9dc5;
    for (byte b : json.getBytes(StandardCharsets.UTF_8)) {
      hash ^= (b & 0xff);
      hash *= 0x01000193;
    }
    String digits = Long.toString(Integer.toUnsignedLong(hash));
    StringBuilder encoded = new StringBuilder();
    for (char c : digits.toCharArray()) {
      encoded.append(SAFE_ALPHABET.charAt(c % SAFE_ALPHABET.length()));
    }
    return encoded.toString();
  }
}
