package dev.takeover.sim.kubectl;

import io.vertx.core.json.JsonObject;

/**
 * One {@code columnDefinitions} entry of a {@code meta.k8s.io/v1} Table. Priority 1 columns are the ones
 * kubectl shows only with {@code -o wide}; the server always fills their cells.
 */
record Column(String name, String type, String format, String description, int priority) {

  /** A string column described by the API field documentation {@code docKey} (see {@link #doc}). */
  static Column of(String name, String docKey) {
    return new Column(name, "string", "", doc(docKey), 0);
  }

  /** A string column whose description is given literally, as printers.go does for computed columns. */
  static Column described(String name, String description) {
    return new Column(name, "string", "", description, 0);
  }

  static Column objectName() {
    return new Column("Name", "string", "name", doc("ObjectMeta.name"), 0);
  }

  static Column age() {
    return of("Age", "ObjectMeta.creationTimestamp");
  }

  Column wide() {
    return new Column(name, type, format, description, 1);
  }

  Column typed(String newType) {
    return new Column(name, newType, format, description, priority);
  }

  JsonObject toJson() {
    return new JsonObject().put("name", name).put("type", type).put("format", format)
        .put("description", description).put("priority", priority);
  }

  /**
   * The documentation of an API field, keyed {@code Type.field} like the {@code SwaggerDoc()} lookups of
   * printers.go; the texts come from the recorded v1.32 Tables and the Kubernetes OpenAPI.
   */
  static String doc(String key) {
    String text = Docs.ALL.getString(key);
    if (text == null) {
      throw new IllegalArgumentException("no field documentation for " + key + " in " + Docs.RESOURCE);
    }
    return text;
  }

  private static final class Docs {
    static final String RESOURCE = "swagger-docs.json";
    static final JsonObject ALL = SimResources.json(RESOURCE);
  }
}
