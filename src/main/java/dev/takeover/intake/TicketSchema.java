package dev.takeover.intake;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The published ticket schema ({@value #RESOURCE}, in the jar and pointed to by the README) as a check: a JSON object
 * to its problems, each one line "path: what is wrong". Compiled once; validating is thread-safe.
 *
 * <p>The library's own messages ("integer found, string expected") are rewritten here in the words of the ticket
 * format, so a producer reads which field to fix and what it must be.
 */
final class TicketSchema {
  static final String RESOURCE = "/takeover/ticket.schema.json";

  // What a pattern means, for the fields that have one: a regular expression is no answer for a requester.
  private static final Map<String, String> PATTERNS = Map.of(
      "/id", "is not a ticket id (a letter or digit, then letters, digits and . _ : / -)",
      "/target", "is not a ticket id (a letter or digit, then letters, digits and . _ : / -)",
      "/node", "is not a node name (an RFC 1123 subdomain: lower-case letters, digits, '-' and '.')");

  private final Schema schema;

  TicketSchema() {
    SchemaRegistryConfig config = SchemaRegistryConfig.builder()
        .pathType(PathType.JSON_POINTER)
        .locale(Locale.ENGLISH)
        // date-time and duration are checked by TicketJson with the very parsers that read them, so the two agree
        .formatAssertionsEnabled(false)
        .build();
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
        builder -> builder.schemaRegistryConfig(config));
    try (InputStream in = TicketSchema.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path");
      }
      schema = registry.getSchema(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    schema.initializeValidators(); // now, not on the first record (and not concurrently)
  }

  /**
   * The problems of a ticket in the schema's field order, one per field: a number where the action belongs fails
   * both "type" and "enum", and the first says it better.
   */
  List<String> problems(JsonNode ticket) {
    Map<String, String> byField = new LinkedHashMap<>();
    for (Error e : schema.validate(ticket)) {
      String path = e.getInstanceLocation().toString();
      if ("required".equals(e.getKeyword())) {
        path = path + "/" + e.getProperty(); // the library names the object that lacks it; the reader wants the field
      }
      byField.putIfAbsent(path, path + ": " + explain(e, path));
    }
    return new ArrayList<>(byField.values());
  }

  private static String explain(Error e, String path) {
    JsonNode rule = e.getSchemaNode();
    JsonNode value = e.getInstanceNode();
    return switch (e.getKeyword()) {
      case "type" -> "must be " + expected(rule) + ", not " + kind(value);
      case "enum" -> "must be one of " + values(rule) + ", not " + shown(value);
      case "required" -> "target".equals(e.getProperty())
          ? "is required when action is cancel (the id of the ticket to cancel)" : "is required";
      case "minLength" -> rule.asInt() == 1 ? "must not be empty" : "must be at least " + rule.asInt() + " characters";
      case "maxLength" -> "must be at most " + rule.asInt() + " characters, not " + codePoints(value);
      case "pattern" -> shown(value) + " " + PATTERNS.getOrDefault(path, "does not match " + rule.asString());
      default -> e.getMessage();
    };
  }

  /** "a string", "a boolean or an object": null is left out, since a null optional field is simply absent. */
  private static String expected(JsonNode type) {
    List<String> names = new ArrayList<>();
    if (type.isArray()) {
      type.forEach(t -> names.add(t.asString()));
    } else {
      names.add(type.asString());
    }
    return names.stream().filter(n -> !n.equals("null")).map(TicketSchema::article).collect(Collectors.joining(" or "));
  }

  private static String kind(JsonNode value) {
    return switch (value.getNodeType()) {
      case NULL -> "null";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case STRING -> "a string";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      default -> "something else";
    };
  }

  private static String article(String type) {
    return switch (type) {
      case "object", "array", "integer" -> "an " + type;
      default -> "a " + type;
    };
  }

  private static String values(JsonNode list) {
    List<String> names = new ArrayList<>();
    list.forEach(v -> names.add(v.asString()));
    return String.join(", ", names);
  }

  private static String shown(JsonNode value) {
    return value.isString() ? Refused.quote(value.asString()) : kind(value);
  }

  private static int codePoints(JsonNode value) {
    String s = value.asString();
    return s.codePointCount(0, s.length());
  }
}
