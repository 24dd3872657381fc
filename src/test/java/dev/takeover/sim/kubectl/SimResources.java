package dev.takeover.sim.kubectl;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The recorded answers under {@code src/test/resources/sim/kubectl/}, read from the test classpath. */
final class SimResources {
  static final String ROOT = "/sim/kubectl/";

  private SimResources() {
  }

  static JsonObject json(String name) {
    return new JsonObject(text(name));
  }

  static String text(String name) {
    try (InputStream in = SimResources.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalStateException(ROOT + name + " is not on the test classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
