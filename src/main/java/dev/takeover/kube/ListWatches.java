package dev.takeover.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.time.Duration;

/**
 * Starts {@link ListWatch}es on one context with one safety re-list period: what every wait of the engine needs.
 *
 * @param relistPeriod how often an open wait lists its scope again, whatever its watch says
 */
public record ListWatches(Context context, KubeCalls calls, Duration relistPeriod) {

  public <T extends HasMetadata> Future<ListWatch<T>> start(WatchScope<T> scope, WatchHealth health,
                                                            ListWatch.Listener<T> listener) {
    return ListWatch.start(context, calls, scope, relistPeriod, health, listener);
  }
}
