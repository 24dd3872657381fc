package dev.takeover.sim.kubectl;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns the JSON answer to a list or get into the {@code meta.k8s.io} Table the API server sends when a client
 * asks for one: the printer's columns, one row per object (cells plus the object as {@code includeObject} asks,
 * {@code PartialObjectMetadata} by default), the list's resourceVersion and continue token.
 */
final class TableConverter {
  private static final Comparator<JsonObject> ETCD_ORDER = Comparator
      .comparing((JsonObject o) -> text(metadata(o), "namespace"))
      .thenComparing(o -> text(metadata(o), "name"));

  private final Clock clock;

  TableConverter(Clock clock) {
    this.clock = clock;
  }

  /**
   * The Table for {@code body}, the list or object the simulated server answered for {@code target}.
   *
   * @param tableVersion "v1" or "v1beta1" of meta.k8s.io, as the client asked
   */
  JsonObject convert(ApiPath target, JsonObject body, String tableVersion) {
    Printer<?> printer = Printers.forResource(target.group(), target.resource());
    String metaApiVersion = "meta.k8s.io/" + tableVersion;
    Instant now = clock.instant();
    JsonArray items = body.getJsonArray("items");
    List<JsonObject> objects = new ArrayList<>();
    JsonObject tableMeta = new JsonObject();
    if (items != null) {
      items.forEach(item -> objects.add((JsonObject) item));
      // etcd answers in key order (namespace, then name); the CRUD mock in insertion order
      objects.sort(ETCD_ORDER);
      JsonObject listMeta = metadata(body);
      copyIfSet(listMeta, tableMeta, "resourceVersion");
      copyIfSet(listMeta, tableMeta, "continue");
      if (listMeta.getValue("remainingItemCount") != null) {
        tableMeta.put("remainingItemCount", listMeta.getValue("remainingItemCount"));
      }
    } else {
      objects.add(body);
      copyIfSet(metadata(body), tableMeta, "resourceVersion");
    }

    JsonArray columns = new JsonArray();
    printer.columns().forEach(c -> columns.add(c.toJson()));
    JsonArray rows = new JsonArray();
    String include = target.query().getOrDefault("includeObject", "Metadata");
    for (JsonObject object : objects) {
      Printer.Row row = printer.row(object, now);
      JsonObject json = new JsonObject().put("cells", row.cells());
      if (row.conditions() != null) {
        json.put("conditions", row.conditions());
      }
      json.put("object", switch (include) {
        case "None" -> null;
        case "Object" -> object;
        default -> new JsonObject().put("kind", "PartialObjectMetadata").put("apiVersion", metaApiVersion)
            .put("metadata", metadata(object));
      });
      rows.add(json);
    }
    return new JsonObject()
        .put("kind", "Table")
        .put("apiVersion", metaApiVersion)
        .put("metadata", tableMeta)
        .put("columnDefinitions", columns)
        .put("rows", rows);
  }

  private static JsonObject metadata(JsonObject object) {
    JsonObject meta = object.getJsonObject("metadata");
    return meta == null ? new JsonObject() : meta;
  }

  private static void copyIfSet(JsonObject from, JsonObject to, String key) {
    String value = text(from, key);
    if (!value.isEmpty()) {
      to.put(key, value);
    }
  }

  /** The string at {@code key}, or "" when it is absent or null (a merge patch may leave explicit nulls). */
  private static String text(JsonObject object, String key) {
    Object value = object.getValue(key);
    return value == null ? "" : value.toString();
  }
}
