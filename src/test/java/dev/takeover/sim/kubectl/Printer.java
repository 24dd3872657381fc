package dev.takeover.sim.kubectl;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/**
 * How the API server prints one kind (a handler of printers.go): the Table's columns and, for one object, the
 * cells of its row. Cells are strings, {@code Long}s (Go's {@code int64}) or {@code Boolean}s, one per column,
 * wide ones included.
 */
record Printer<T>(Class<T> type, List<Column> columns, Cells<T> cells, Conditions<T> conditions) {

  @FunctionalInterface
  interface Cells<T> {
    List<Object> of(T object, Instant now);
  }

  /** The row's {@code conditions} (a pod that has completed), or null for none. */
  @FunctionalInterface
  interface Conditions<T> {
    JsonArray of(T object);
  }

  static <T> Printer<T> of(Class<T> type, List<Column> columns, Cells<T> cells) {
    return new Printer<>(type, columns, cells, object -> null);
  }

  Printer<T> withConditions(Conditions<T> rowConditions) {
    return new Printer<>(type, columns, cells, rowConditions);
  }

  /** The cells and conditions of the row for {@code object} (as stored JSON) at {@code now}. */
  Row row(JsonObject object, Instant now) {
    T typed = type == JsonObject.class ? type.cast(object) : Serialization.unmarshal(object.encode(), type);
    List<Object> values = cells.of(typed, now);
    if (values.size() != columns.size()) {
      throw new IllegalStateException(type.getSimpleName() + " printer made " + values.size() + " cells for "
          + columns.size() + " columns");
    }
    return new Row(new JsonArray(values), conditions.of(typed));
  }

  record Row(JsonArray cells, JsonArray conditions) {
  }
}
