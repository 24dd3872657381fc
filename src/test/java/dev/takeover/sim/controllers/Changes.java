package dev.takeover.sim.controllers;

import io.fabric8.kubernetes.client.utils.Serialization;

/** Whether a status a controller computed differs from the stored one (compared as JSON, as the server stores it). */
final class Changes {
  private Changes() {}

  static boolean differ(Object computed, Object stored) {
    return stored == null || !Serialization.asJson(computed).equals(Serialization.asJson(stored));
  }
}
