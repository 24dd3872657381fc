package dev.takeover.intake;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A record value to exactly one JSON object, or a {@link Refused} naming what it is instead. The limits are set
 * before a byte is parsed, so a hostile record costs at most {@code maxBytes} of reading: nothing deeper than
 * {@value #MAX_DEPTH} levels (no stack to exhaust), no number longer than {@value #MAX_NUMBER_LENGTH} digits (big
 * number parsing is quadratic), no field twice (two readers would see two different tickets).
 * Thread-safe: the mapper is immutable once built.
 */
final class StrictJson {
  static final int MAX_DEPTH = 32;
  static final int MAX_NUMBER_LENGTH = 100;

  private final int maxBytes;
  private final JsonMapper mapper;

  StrictJson(int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
    StreamReadConstraints limits = StreamReadConstraints.builder()
        .maxNestingDepth(MAX_DEPTH)
        .maxNumberLength(MAX_NUMBER_LENGTH)
        .maxStringLength(maxBytes)
        .maxNameLength(maxBytes)
        .maxDocumentLength(maxBytes)
        .build();
    this.mapper = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(limits)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
        // checked in object(), where the message can say what follows in the words of the ticket format
        .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
  }

  /** The checks in the order the rejection codes promise: there is a value, it fits, it is UTF-8, one object. */
  ObjectNode read(byte[] value) {
    if (value == null) {
      throw new Refused("not-json", "the record has no value");
    }
    if (value.length == 0) {
      throw new Refused("not-json", "the value is empty");
    }
    if (value.length > maxBytes) {
      throw new Refused("too-large", "the value is " + value.length + " bytes, more than the limit of " + maxBytes);
    }
    return object(utf8(value));
  }

  private ObjectNode object(String text) {
    JsonParser p = mapper.createParser(text);
    try {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new Refused("not-json", "not JSON: the value holds only white space");
      }
      if (first != JsonToken.START_OBJECT) {
        throw new Refused("not-json", "not a JSON object: the value is " + kind(first));
      }
      JsonNode tree = mapper.readTree(p);
      if (p.nextToken() != null) {
        throw new Refused("not-json", "not JSON: something follows the object at " + where(p.currentTokenLocation()));
      }
      return (ObjectNode) tree;
    } catch (StreamConstraintsException e) {
      // The parser stops at the first level too many, so its context is still at the limit.
      if (p.streamReadContext().getNestingDepth() >= MAX_DEPTH) {
        throw new Refused("too-deep", "the JSON nests deeper than " + MAX_DEPTH + " levels");
      }
      throw new Refused("too-large", "a number longer than " + MAX_NUMBER_LENGTH + " digits");
    } catch (JacksonException e) {
      throw new Refused("not-json", "not JSON: " + firstClause(e.getOriginalMessage()) + " at " + where(e.getLocation()));
    } finally {
      p.close();
    }
  }

  /** Strict UTF-8: Jackson would also take UTF-16 and UTF-32, which no ticket producer means to send. */
  private static String utf8(byte[] value) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(value);
    CharBuffer out = CharBuffer.allocate(value.length); // UTF-8 never decodes to more chars than bytes
    CoderResult r = decoder.decode(in, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      throw new Refused("not-json", "not UTF-8: a malformed byte sequence at byte offset " + in.position());
    }
    String text = out.flip().toString();
    // RFC 8259 lets a parser ignore a byte order mark; Jackson does not when given a String.
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  private static String kind(JsonToken t) {
    return switch (t) {
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> "not a value";
    };
  }

  /**
   * Jackson's message up to its first explanation ("Unexpected character ('a' (code 97))"), which is what a
   * producer needs; the rest names Jackson's own classes and features.
   */
  static String firstClause(String message) {
    if (message == null || message.isBlank()) {
      return "unreadable";
    }
    String s = message.strip();
    int colon = s.indexOf(": ");
    s = colon > 0 ? s.substring(0, colon) : s;
    int tick = s.indexOf('`');
    s = tick > 0 ? s.substring(0, tick).replaceAll("[\\s(]+$", "") : s;
    s = s.length() > 100 ? s.substring(0, 100) + "…" : s;
    return Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }

  private static String where(TokenStreamLocation at) {
    return at == null ? "an unknown place" : "line " + at.getLineNr() + " column " + at.getColumnNr();
  }
}
