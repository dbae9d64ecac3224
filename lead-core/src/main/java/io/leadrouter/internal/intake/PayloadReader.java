package io.leadrouter.internal.intake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.leadrouter.spi.Diagnosis;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The one strict reader of the marketplace's lead JSON, used for HTTPS bodies, NDJSON lines and the table poller's
 * {@code CustomerInfo}: it reads a payload unambiguously or not at all. Refused, each with the field as the sender
 * wrote it, its position and the real reason: invalid UTF-8 (bad bytes, overlong forms, encoded surrogates), lone
 * surrogate escapes, keys present twice in any case (the marketplace's keys are matched case-insensitively, so
 * {@code Email} and {@code email} are one key twice), a value of the wrong JSON type where text is expected (never
 * coerced), anything after the lead object, a second object on the line, nesting deeper than {@value #MAX_DEPTH}
 * levels, and broken JSON. Keys it does not know are kept verbatim (structures as their exact JSON text, numbers
 * as written), never dropped.
 */
public final class PayloadReader {
  /** The deepest nesting read; a lead is two levels deep. */
  public static final int MAX_DEPTH = 16;

  /** The top-level keys, canonical spelling first, then aliases meaning the same field. */
  private static final List<List<String>> TOP = List.of(
      List.of("UserDetails", "CustomerInfo"), List.of("LeadSource"), List.of("ActionCode"),
      List.of("OfferTitle", "OfferDisplayName"), List.of("Description"), List.of("LeadId"), List.of("CreatedTime"));
  /** The customer's keys. */
  public static final List<String> CUSTOMER = List.of("FirstName", "LastName", "Email", "Phone", "Country", "Company",
      "Title");

  private static final Map<String, String> TOP_CANONICAL = canonical(TOP);
  // a top-level key's canonical name folded, computed once: an alias and its canonical name are one key
  private static final Map<String, String> TOP_FOLDED = TOP.stream().map(g -> g.get(0))
      .collect(java.util.stream.Collectors.toUnmodifiableMap(c -> c, PayloadReader::lower));
  private static final Map<String, String> CUSTOMER_CANONICAL =
      canonical(CUSTOMER.stream().map(List::of).toList());

  /**
   * The longest key read, in characters (Jackson's own default): the marketplace's keys are a few characters, and a
   * longer one is said as that, with its first characters, never as "not JSON".
   */
  public static final int MAX_KEY_LENGTH = 50_000;

  // keys are measured here (KEY_TOO_LONG names the key's place and first characters; Jackson's limit names neither)
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH + 8)
          .maxStringLength(Integer.MAX_VALUE).maxNumberLength(Integer.MAX_VALUE).maxDocumentLength(-1)
          .maxNameLength(Integer.MAX_VALUE).build())
      .build();

  /** One text field as read: the sender's key, its path as the sender wrote it, the value ({@code null} → empty). */
  public record Field(String key, String path, String value) {}

  /** What a payload holds, by canonical field name, with unknown keys kept verbatim. */
  public static final class Payload {
    /** Known top-level text fields by canonical name ({@code UserDetails} is in {@link #customer}). */
    public final Map<String, Field> fields = new HashMap<>();
    /** The customer's fields by canonical name; empty when the payload had no customer. */
    public final Map<String, Field> customer = new HashMap<>();
    /** The customer object's key as the sender wrote it, {@code null} when absent. */
    public String customerKey;
    /** Unknown keys (top level, and the customer's as {@code UserDetails.Key}) with their verbatim values. */
    public final Map<String, String> attributes = new LinkedHashMap<>();
    /**
     * How the body was encoded when it was not UTF-8 but UTF-16 or UTF-32 ({@code UTF-16LE, no byte-order mark}), read
     * as that; {@code null} for UTF-8.
     */
    public String encoding;
    /** Whether the body was a JSON text holding the lead's JSON object (encoded twice), read as that object. */
    public boolean encodedTwice;
    /** The blanks left out around the JSON value ({@code U+00A0 before}), {@code null} when none were. */
    public String trimmed;
    /** Each attribute's key as sent and where, to tell two keys that would be one attribute. */
    public final Map<String, String> attributeFrom = new HashMap<>();
    /** Each attribute's key in lower case and where it was sent: keys are matched regardless of case. */
    final Map<String, String> attributeFolded = new HashMap<>();

    /** The sender's own path for each canonical path that was present ({@code UserDetails.Email} → its spelling). */
    public Map<String, String> senderPaths() {
      Map<String, String> m = new HashMap<>();
      fields.forEach((k, f) -> m.put(k, f.path()));
      customer.forEach((k, f) -> m.put("UserDetails." + k, f.path()));
      return m;
    }
  }

  /** A payload that cannot be read unambiguously, with its diagnosis. */
  public static final class UnreadableException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Diagnosis diagnosis;

    UnreadableException(String code, String message, String fix) {
      super(message, null, false, false);
      this.diagnosis = new Diagnosis(code, message, fix);
    }

    /** What is wrong and what to do. */
    public Diagnosis diagnosis() {
      return diagnosis;
    }
  }

  /** An unreadable payload with its diagnosis, for the other strict readers of embedded JSON (table columns). */
  public static UnreadableException unreadable(String code, String message, String fix) {
    return new UnreadableException(code, message, fix);
  }

  private final byte[] bytes;
  private final int line;
  private final String prefix;
  private final String where;
  /** The bytes positions are counted in, and where {@link #bytes} start in them (blanks left out before). */
  private final byte[] shown;
  private final int shift;
  /** Whether this reads the JSON text a body held: a text inside it is not unwrapped again. */
  private boolean insideText;

  private PayloadReader(byte[] bytes, int line, String prefix, String where) {
    this(bytes, line, prefix, where, bytes, 0);
  }

  private PayloadReader(byte[] bytes, int line, String prefix, String where, byte[] shown, int shift) {
    this.bytes = bytes;
    this.line = line;
    this.prefix = prefix;
    this.where = where;
    this.shown = shown;
    this.shift = shift;
  }

  /**
   * Reads UTF-8 {@code text} as the payload, leaving out no-break, other Unicode and zero-width spaces and byte-order
   * marks before and after the JSON value ({@code U+00A0 {...}}, as a body pasted from a web page or passed through a
   * tool that adds a second BOM carries them): they are no JSON white space, so the body was "not JSON" and refused,
   * yet they are never part of a lead, so leaving them out chooses nothing. Positions still count from the payload's
   * start; {@link Payload#trimmed} says what was left out.
   */
  private static Payload readTrimmed(byte[] text, int line, String where) throws UnreadableException {
    int from = 0;
    int to = text.length;
    List<String> left = new java.util.ArrayList<>();
    for (int n; from < to; from += n) {
      n = jsonSpace(text[from]) ? 1 : blankAt(text, from);
      if (n == 0) {
        break;
      }
      if (n > 1) {
        left.add(codePoint(text, from, n) + " before");
      }
    }
    List<String> after = new java.util.ArrayList<>();
    for (int n; to > from; to -= n) {
      n = jsonSpace(text[to - 1]) ? 1 : blankBefore(text, to);
      if (n == 0) {
        break;
      }
      if (n > 1) {
        after.add(0, codePoint(text, to - n, n) + " after");
      }
    }
    if (left.isEmpty() && after.isEmpty()) {
      return new PayloadReader(text, line, "", where).read();
    }
    Payload payload = new PayloadReader(Arrays.copyOfRange(text, from, to), line, "", where, text, from).read();
    left.addAll(after);
    payload.trimmed = String.join(", ", left);
    return payload;
  }

  private static boolean jsonSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\r' || b == '\n';
  }

  /** The length of the blank (non-ASCII space, format character or BOM) encoded at {@code i}, 0 if none. */
  private static int blankAt(byte[] b, int i) {
    for (int n = 2; n <= 3; n++) {
      if (i + n <= b.length && blank(b, i, n)) {
        return n;
      }
    }
    return 0;
  }

  /** The length of the blank encoded just before {@code end}, 0 if none. */
  private static int blankBefore(byte[] b, int end) {
    for (int n = 2; n <= 3; n++) {
      if (end - n >= 0 && blank(b, end - n, n)) {
        return n;
      }
    }
    return 0;
  }

  private static boolean blank(byte[] b, int i, int n) {
    int cp = n == 2 ? ((b[i] & 0xE0) == 0xC0 && (b[i + 1] & 0xC0) == 0x80 ? (b[i] & 0x1F) << 6 | (b[i + 1] & 0x3F) : -1)
        : (b[i] & 0xF0) == 0xE0 && (b[i + 1] & 0xC0) == 0x80 && (b[i + 2] & 0xC0) == 0x80
            ? (b[i] & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | (b[i + 2] & 0x3F) : -1;
    // at least 0x80 in two bytes and 0x800 in three: an overlong form is no character (Utf8 refuses it later)
    return cp >= (n == 2 ? 0x80 : 0x800) && !Character.isSurrogate((char) cp)
        && (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.getType(cp) == Character.FORMAT);
  }

  private static String codePoint(byte[] b, int i, int n) {
    return String.format(Locale.ROOT, "U+%04X", new String(b, i, n, StandardCharsets.UTF_8).codePointAt(0));
  }

  /**
   * Reads a payload.
   *
   * @param bytes the payload, UTF-8 (a leading byte-order mark is allowed); a body (line 0) in UTF-16 or UTF-32,
   *     told by its byte-order mark or its zero bytes, is read as that and its {@link Payload#encoding} says so
   * @param line the NDJSON line number the payload came from, or 0 for a body of its own (positions then count
   *     lines inside it)
   */
  public static Payload read(byte[] bytes, int line) throws UnreadableException {
    return read(bytes, line, null);
  }

  /**
   * Reads a payload whose request declares its charset ({@code Content-Type: ...; charset=windows-1252}): bytes that
   * are valid UTF-8 are read as UTF-8 (RFC 8259 section 8.1; a label changes nothing on valid UTF-8) unless they are
   * ISO-2022 text holding its escape sequences ({@link #shiftsWithEscapes}), others strictly
   * as {@code declared}, with {@link Payload#encoding} saying so; a byte with no character in it is unreadable.
   *
   * @param declared the charset the request declares, or {@code null} for none
   */
  public static Payload read(byte[] bytes, int line, Charset declared) throws UnreadableException {
    Objects.requireNonNull(bytes, "bytes");
    boolean bom = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
        && (bytes[2] & 0xFF) == 0xBF;
    Wide wide = bom ? null : Wide.of(bytes);
    if (wide == null) {
      byte[] text = bom ? Arrays.copyOfRange(bytes, 3, bytes.length) : bytes;
      if (declared != null && !StandardCharsets.UTF_8.equals(declared)
          && (Utf8.check(text, 0, text.length) != null || shiftsWithEscapes(declared, text))) {
        Payload payload = readTrimmed(transcode(text, line, declared), line, "of the body read as "
            + declared.name());
        payload.encoding = declared.name() + " (declared by the request's Content-Type)";
        return payload;
      }
      return readTrimmed(text, line, null);
    }
    if (line > 0) {
      // a line cut from a UTF-16/32 file at byte 0x0A starts mid-character (0x0A is half of U+000A there): which
      // characters it holds cannot be told
      throw new UnreadableException("PAYLOAD_NOT_UTF8", "line " + line + ", column 1: the line looks " + wide.name
          + ", not UTF-8; NDJSON lines are split at the byte 0x0A, which cuts such text inside characters",
          "send NDJSON encoded as UTF-8");
    }
    Payload payload = readTrimmed(wide.decode(bytes), 0, "of the body read as " + wide.charset.name());
    payload.encoding = wide.name;
    return payload;
  }

  /**
   * Whether {@code text} is in a 7-bit charset that switches character sets with escape sequences (ISO-2022-JP, -KR,
   * -CN: Japanese mail's and old Japanese systems' encoding) and holds an ESC: its bytes are all ASCII, so valid UTF-8,
   * but read as UTF-8 a name in it is ESC sequences around letters of another alphabet, and an ESC inside a JSON string
   * is no JSON (the body was "not valid JSON" and stayed in quarantine, though its request declared the charset).
   */
  private static boolean shiftsWithEscapes(Charset declared, byte[] text) {
    if (!declared.name().toUpperCase(Locale.ROOT).startsWith("ISO-2022")) {
      return false;
    }
    for (byte b : text) {
      if (b == 0x1B) {
        return true;
      }
    }
    return false;
  }

  /** {@code bytes} decoded strictly as {@code charset}, as UTF-8; a byte with no character in it is unreadable. */
  private static byte[] transcode(byte[] bytes, int line, Charset charset) throws UnreadableException {
    java.nio.charset.CharsetDecoder decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer text = CharBuffer.allocate((int) Math.ceil(bytes.length * (double) decoder.maxCharsPerByte()) + 1);
    java.nio.charset.CoderResult result = decoder.decode(in, text, true);
    if (!result.isError()) {
      result = decoder.flush(text);
    }
    if (result.isError()) {
      int offset = in.position();
      throw new UnreadableException("PAYLOAD_NOT_UTF8", new PayloadReader(bytes, line, "", null).at("body", offset)
          + ": byte " + String.format(Locale.ROOT, "0x%02X", bytes[offset] & 0xFF) + " is not UTF-8, nor a character"
          + " in " + charset.name() + ", which the request declares; the payload cannot be read without guessing",
          "send the payload encoded as UTF-8 (or in the charset its Content-Type declares)");
    }
    text.flip();
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  // splits arrays only: structure and nesting are checked, element by element, by the strict reader afterwards
  private static final JsonFactory SPLIT = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE)
          .maxNumberLength(Integer.MAX_VALUE).maxDocumentLength(-1).maxNameLength(Integer.MAX_VALUE)
          .maxNestingDepth(Integer.MAX_VALUE).build())
      .build();

  /**
   * The top-level elements of a body that is a well-formed JSON array in UTF-8 ({@code [{...},"x",[...]]}): hands each
   * to {@code each} as its exact bytes in the body (when {@code each} is not {@code null}) and returns how many there
   * are; -1 when the body is anything else (not an array, not UTF-8, broken JSON, anything after the array), which is
   * then read whole. Streams through the body, keeping nothing; an element's own content is not judged here.
   */
  public static int arrayElements(byte[] bytes, java.util.function.Consumer<byte[]> each) {
    byte[] b = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
        && (bytes[2] & 0xFF) == 0xBF ? Arrays.copyOfRange(bytes, 3, bytes.length) : bytes;
    int first = new PayloadReader(b, 0, "", null).firstSignificant();
    if (first < 0 || b[first] != '[' || Wide.of(b) != null || Utf8.check(b, 0, b.length) != null) {
      return -1;
    }
    int count = 0;
    try (JsonParser p = SPLIT.createParser(b)) {
      p.nextToken();
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          return -1;
        }
        long from = p.currentTokenLocation().getByteOffset();
        if (t == JsonToken.VALUE_STRING) {
          p.getText(); // a string is read lazily: its end is known once read
        }
        p.skipChildren();
        if (each != null) {
          each.accept(Arrays.copyOfRange(b, (int) from, (int) p.currentLocation().getByteOffset()));
        }
        count++;
      }
      return p.nextToken() == null ? count : -1;
    } catch (IOException e) {
      return -1; // broken JSON: read whole, the strict reader says where
    }
  }

  /** The encoding a payload is read in: UTF-16 or UTF-32 when {@link #read} would read it as that, else UTF-8. */
  public static Charset encodingOf(byte[] bytes) {
    Wide wide = Wide.of(bytes);
    return wide == null ? StandardCharsets.UTF_8 : wide.charset();
  }

  /**
   * A body in UTF-16 or UTF-32, told apart from UTF-8 without guessing: by its byte-order mark, or by where the zero
   * bytes of its first character stand (RFC 4627 section 3: JSON text starts with an ASCII character, and UTF-8 JSON
   * holds no zero byte outside a string).
   */
  private record Wide(Charset charset, int skip, String name) {
    static Wide of(byte[] b) {
      int n = b.length;
      int b0 = n > 0 ? b[0] & 0xFF : -1;
      int b1 = n > 1 ? b[1] & 0xFF : -1;
      int b2 = n > 2 ? b[2] & 0xFF : -1;
      int b3 = n > 3 ? b[3] & 0xFF : -1;
      if (b0 == 0 && b1 == 0 && b2 == 0xFE && b3 == 0xFF) {
        return new Wide(Charset.forName("UTF-32BE"), 4, "UTF-32BE (byte-order mark 00 00 FE FF)");
      }
      if (b0 == 0xFF && b1 == 0xFE && b2 == 0 && b3 == 0) {
        return new Wide(Charset.forName("UTF-32LE"), 4, "UTF-32LE (byte-order mark FF FE 00 00)");
      }
      if (b0 == 0xFE && b1 == 0xFF) {
        return new Wide(StandardCharsets.UTF_16BE, 2, "UTF-16BE (byte-order mark FE FF)");
      }
      if (b0 == 0xFF && b1 == 0xFE) {
        return new Wide(StandardCharsets.UTF_16LE, 2, "UTF-16LE (byte-order mark FF FE)");
      }
      if (n < 4) {
        return null;
      }
      if (b0 == 0 && b1 == 0 && b2 == 0 && b3 != 0) {
        return new Wide(Charset.forName("UTF-32BE"), 0, "UTF-32BE (no byte-order mark)");
      }
      if (b0 != 0 && b1 == 0 && b2 == 0 && b3 == 0) {
        return new Wide(Charset.forName("UTF-32LE"), 0, "UTF-32LE (no byte-order mark)");
      }
      if (b0 == 0 && b1 != 0 && b2 == 0 && b3 != 0) {
        return new Wide(StandardCharsets.UTF_16BE, 0, "UTF-16BE (no byte-order mark)");
      }
      if (b0 != 0 && b1 == 0 && b2 != 0 && b3 == 0) {
        return new Wide(StandardCharsets.UTF_16LE, 0, "UTF-16LE (no byte-order mark)");
      }
      return null;
    }

    /** The text as UTF-8, decoded strictly: a cut character or a lone surrogate makes the body unreadable. */
    byte[] decode(byte[] b) throws UnreadableException {
      try {
        CharBuffer text = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, skip, b.length - skip));
        ByteBuffer utf8 = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).encode(text);
        return Arrays.copyOfRange(utf8.array(), utf8.arrayOffset() + utf8.position(), utf8.arrayOffset()
            + utf8.limit());
      } catch (CharacterCodingException e) {
        throw new UnreadableException("PAYLOAD_NOT_UTF8", "body: is " + name + ", not UTF-8, and is not valid "
            + charset.name() + " either (a character cut short or half of one), so it cannot be read without"
            + " guessing", "send the payload encoded as UTF-8");
      }
    }
  }

  /** Reads the customer object given as JSON text inside another payload (the table's {@code CustomerInfo}). */
  public static void readEmbeddedCustomer(String json, String key, Payload into) throws UnreadableException {
    embedded(json, key, into, "of the " + key + " text");
  }

  private static void embedded(String json, String key, Payload into, String where) throws UnreadableException {
    for (int i = 0; i < json.length(); i++) {
      char ch = json.charAt(i);
      if (Character.isHighSurrogate(ch) && i + 1 < json.length() && Character.isLowSurrogate(json.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(ch)) {
        throw new UnreadableException("PAYLOAD_LONE_SURROGATE", key + ": holds a lone surrogate "
            + String.format(Locale.ROOT, "\\u%04X", (int) ch) + " at character " + (i + 1)
            + ", half of a character that cannot be read", "send the text as valid Unicode");
      }
    }
    new PayloadReader(json.getBytes(StandardCharsets.UTF_8), 0, key + ".", where).embeddedCustomer(key, into);
  }

  private Payload read() throws UnreadableException {
    int first = firstSignificant();
    if (first < 0) {
      throw new UnreadableException("PAYLOAD_EMPTY", "the payload is empty", "send the marketplace's lead JSON object");
    }
    Utf8.Problem bad = Utf8.check(bytes, 0, bytes.length);
    if (bad != null) {
      throw new UnreadableException("PAYLOAD_INVALID_UTF8", at("body", bad.offset()) + ": " + bad.reason()
          + "; the payload is not valid UTF-8 and cannot be read without guessing",
          "send the payload encoded as UTF-8, or declare the charset it is in (Content-Type: application/json;"
              + " charset=windows-1252)");
    }
    int c = bytes[first];
    if (c != '{' && c != '[' && c != '"' && c != '-' && !(c >= '0' && c <= '9') && c != 't' && c != 'f'
        && c != 'n') {
      throw new UnreadableException("PAYLOAD_NOT_JSON", at("body", first) + ": is not JSON (it starts with "
          + describe(c) + ")", "send the marketplace's lead JSON object");
    }
    Payload payload = new Payload();
    String[] encodedTwice = new String[1];
    readWhole((p, t) -> {
      if (t == JsonToken.VALUE_STRING && !insideText) {
        // the lead's JSON sent as a JSON text ("{\"UserDetails\":...}"), as a flow that serialises its body twice does:
        // the text holds one object, so reading it as that chooses nothing
        String text = p.getText();
        checkText(text, "body", p);
        if (!text.isEmpty() && text.strip().startsWith("{")) {
          encodedTwice[0] = text;
          return;
        }
      }
      if (t != JsonToken.START_OBJECT) {
        JsonLocation at = p.currentTokenLocation();
        skip(p, "body", 0, false);
        throw new UnreadableException("PAYLOAD_NOT_AN_OBJECT", at("body", at) + ": is " + kind(t) + ", not the marketplace's lead object", "send one lead as one JSON object {...}");
      }
      topLevel(p, payload);
    }, true);
    if (encodedTwice[0] != null) {
      PayloadReader inner = new PayloadReader(encodedTwice[0].getBytes(StandardCharsets.UTF_8), line, "",
          "of the JSON text the body holds");
      inner.insideText = true;
      Payload read = inner.read();
      read.encodedTwice = true;
      return read;
    }
    return payload;
  }

  /** Reads a JSON value from its first token on, leaving the parser on the value's last token. */
  @FunctionalInterface
  private interface ValueReader {
    void read(JsonParser p, JsonToken first) throws IOException, UnreadableException;
  }

  /**
   * Parses the whole input: {@code reader} reads the one value; after it only white space may follow. With
   * {@code lead}, a second object following is named as such (which one is meant cannot be told).
   */
  private void readWhole(ValueReader reader, boolean lead) throws UnreadableException {
    try (JsonParser p = JSON.createParser(bytes)) {
      reader.read(p, p.nextToken());
      JsonLocation end = p.currentLocation();
      JsonToken next;
      try {
        next = p.nextToken();
      } catch (JsonProcessingException e) {
        throw trailing(end);
      }
      if (lead && next == JsonToken.START_OBJECT) {
        throw new UnreadableException("PAYLOAD_SEVERAL_OBJECTS", at("body", p.currentTokenLocation())
            + ": a second JSON object follows the lead; which one is meant cannot be told",
            "send one lead per line (NDJSON) or per request");
      }
      if (next != null) {
        throw trailing(p.currentTokenLocation());
      }
    } catch (JsonProcessingException e) {
      throw broken(e);
    } catch (IOException e) {
      throw new IllegalStateException("reading from memory cannot fail", e);
    }
  }

  private void embeddedCustomer(String key, Payload into) throws UnreadableException {
    if (firstSignificant() < 0) {
      into.customerKey = key;
      return;
    }
    readWhole((p, t) -> {
      if (t != JsonToken.START_OBJECT) {
        throw wrongType(key, t, p, "a JSON object in text, like {\"Email\":\"...\"}");
      }
      into.customerKey = key;
      customer(p, into, key, 1);
    }, false);
  }

  private void topLevel(JsonParser p, Payload payload) throws IOException, UnreadableException {
    Map<String, Seen> seen = new HashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonLocation keyAt = p.currentTokenLocation();
      checkKey(key, subject(), p);
      checkText(key, key, p);
      String folded = lower(key);
      String canonical = TOP_CANONICAL.get(folded);
      String path = prefix + key;
      once(seen, canonical != null ? TOP_FOLDED.get(canonical) : folded, key, path, p);
      JsonToken t = p.nextToken();
      if ("UserDetails".equals(canonical)) {
        if (t == JsonToken.START_OBJECT) {
          payload.customerKey = key;
          customer(p, payload, path, 1);
        } else if (t == JsonToken.VALUE_STRING) {
          String text = p.getText();
          checkText(text, path, p);
          embedded(text, path, payload, "of the " + path + " text at " + position(p.currentTokenLocation()));
        } else if (t == JsonToken.VALUE_NULL) {
          payload.customerKey = key;
        } else {
          throw wrongType(path, t, p, "a JSON object, like {\"Email\":\"...\"}");
        }
      } else if (canonical != null) {
        payload.fields.put(canonical, new Field(key, path, text(p, t, path)));
      } else {
        attribute(payload, key, path, "the top-level key '" + key + "'", keyAt, verbatim(p, path, 1));
      }
    }
  }

  private void customer(JsonParser p, Payload payload, String objectPath, int depth)
      throws IOException, UnreadableException {
    Map<String, Seen> seen = new HashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonLocation keyAt = p.currentTokenLocation();
      checkKey(key, objectPath, p);
      String path = objectPath + "." + key;
      checkText(key, path, p);
      String folded = lower(key);
      String canonical = CUSTOMER_CANONICAL.get(folded);
      once(seen, folded, key, path, p);
      JsonToken t = p.nextToken();
      if (canonical != null) {
        payload.customer.put(canonical, new Field(key, path, text(p, t, path)));
      } else {
        attribute(payload, objectPath + "." + key, path, "the key '" + key + "' inside " + objectPath, keyAt,
            verbatim(p, path, depth + 1));
      }
    }
  }

  /**
   * Keeps an unknown key's value as the attribute {@code name}. A top-level key with a dot ({@code "UserDetails.Fax"})
   * and a key inside the customer object ({@code "Fax"} in {@code UserDetails}) would be one attribute: which value is
   * meant cannot be told, and keeping one would drop the other, so the payload is unreadable.
   */
  private void attribute(Payload payload, String name, String path, String described, JsonLocation keyAt, String value)
      throws UnreadableException {
    String here = position(keyAt);
    // regardless of case, as every key is matched: "userdetails.Fax" beside Fax inside UserDetails would be sent on as
    // two top-level keys differing in case only, which the next receiver (another LeadRouter) cannot read
    String before = payload.attributeFolded.putIfAbsent(lower(name), described + " (at " + here + ")");
    payload.attributeFrom.putIfAbsent(name, described + " (at " + here + ")");
    if (before != null) {
      throw new UnreadableException("PAYLOAD_DUPLICATE_KEY", path + " at " + here + ": " + described + " and "
          + before + " would both be kept as the attribute '" + name + "', so which value is meant cannot be told",
          "send each value under a key of its own: a top-level key with a dot must not name a key inside "
              + name.substring(0, name.indexOf('.') < 0 ? name.length() : name.indexOf('.')));
    }
    payload.attributes.put(name, value);
  }

  /** The value of a field that must be text: a string, or null for an empty one; anything else is refused. */
  private String text(JsonParser p, JsonToken t, String path) throws IOException, UnreadableException {
    if (t == JsonToken.VALUE_NULL) {
      return "";
    }
    if (t != JsonToken.VALUE_STRING) {
      throw wrongType(path, t, p, "a text (a JSON string in double quotes)");
    }
    String text = p.getText();
    checkText(text, path, p);
    return text;
  }

  /** The value of an unknown key, verbatim: a string's text, a number as written, a structure as its exact JSON. */
  private String verbatim(JsonParser p, String path, int depth) throws IOException, UnreadableException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_STRING) {
      String text = p.getText();
      checkText(text, path, p);
      return text;
    }
    if (t.isScalarValue()) {
      return p.getText();
    }
    long from = p.currentTokenLocation().getByteOffset();
    skip(p, path, depth, true);
    long to = p.currentLocation().getByteOffset();
    return new String(bytes, (int) from, (int) (to - from), StandardCharsets.UTF_8);
  }

  /** Walks past the structure starting at the current token, checking depth, duplicate keys and surrogates. */
  private void skip(JsonParser p, String path, int depth, boolean checked) throws IOException, UnreadableException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      checkDepth(depth + 1, path, p);
      Map<String, Seen> seen = new HashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        checkKey(key, path, p);
        String inner = path + "." + key;
        checkText(key, inner, p);
        onceExact(seen, key, inner, p);
        p.nextToken();
        skip(p, inner, depth + 1, checked);
      }
    } else if (t == JsonToken.START_ARRAY) {
      checkDepth(depth + 1, path, p);
      int i = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        skip(p, path + "[" + i++ + "]", depth + 1, checked);
      }
    } else if (t == JsonToken.VALUE_STRING && checked) {
      checkText(p.getText(), path, p);
    }
  }

  /** A key over {@link #MAX_KEY_LENGTH}: said with where it stands and its first characters, never echoed whole. */
  private void checkKey(String key, String objectPath, JsonParser p) throws UnreadableException {
    if (key.length() > MAX_KEY_LENGTH) {
      throw new UnreadableException("PAYLOAD_KEY_TOO_LONG", objectPath + " at " + position(p.currentTokenLocation())
          + ": holds a key of " + key.length() + " characters (starting '" + printable(key) + "'), over the limit of "
          + MAX_KEY_LENGTH + " characters a key; the marketplace's keys are a few characters",
          "send data under a short key, as a value, never as the key itself");
    }
  }

  private static String printable(String s) {
    return LeadNormalizer.printable(s, 20);
  }

  /**
   * What a Jackson {@link StreamReadConstraints} limit refused in {@code where}, naming the limit and the size found
   * (a key too long, a text, a number, nesting, the whole document), never "not JSON": the JSON may be well formed.
   */
  public static UnreadableException overLimit(StreamConstraintsException e, String where, String fix) {
    String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    java.util.regex.Matcher n = java.util.regex.Pattern.compile("\\((\\d+)\\) exceeds the maximum allowed \\((\\d+)")
        .matcher(m);
    boolean sized = n.find();
    String found = sized ? n.group(1) : "?";
    String limit = sized ? n.group(2) : "?";
    String code;
    String what;
    if (m.contains("getMaxNameLength")) {
      code = "PAYLOAD_KEY_TOO_LONG";
      what = "holds a key of " + found + " characters, over the limit of " + limit + " characters a key";
    } else if (m.contains("getMaxNestingDepth")) {
      code = "PAYLOAD_TOO_DEEP";
      what = "is nested " + found + " levels deep, over the limit of " + limit + " levels";
    } else if (m.contains("getMaxNumberLength")) {
      code = "PAYLOAD_VALUE_TOO_LONG";
      what = "holds a number of " + found + " characters, over the limit of " + limit + " characters a number";
    } else if (m.contains("getMaxStringLength")) {
      code = "PAYLOAD_VALUE_TOO_LONG";
      what = "holds a text of " + found + " characters, over the limit of " + limit + " characters a text";
    } else if (m.contains("getMaxDocumentLength")) {
      code = "PAYLOAD_VALUE_TOO_LONG";
      what = "is " + found + " bytes of JSON, over the limit of " + limit + " bytes";
    } else {
      code = "PAYLOAD_VALUE_TOO_LONG";
      what = "is over a limit of the JSON reader: " + reason(m);
    }
    JsonLocation at = e.getLocation();
    return new UnreadableException(code, where + (at == null || at.getLineNr() < 1 ? "" : " at line "
        + at.getLineNr() + ", column " + at.getColumnNr()) + ": " + what + "; the JSON may be well formed, it is too"
        + " large to read", fix);
  }

  private void checkDepth(int depth, String path, JsonParser p) throws UnreadableException {
    if (depth > MAX_DEPTH) {
      throw new UnreadableException("PAYLOAD_TOO_DEEP", path + " at " + position(p.currentTokenLocation())
          + ": nested more than " + MAX_DEPTH + " levels deep; a lead is two levels deep",
          "send the marketplace's lead object; nest extra data at most " + MAX_DEPTH + " levels");
    }
  }

  private record Seen(String key, JsonLocation at) {}

  /** Keys matched case-insensitively: a second spelling of one key is the same key twice. */
  private void once(Map<String, Seen> seen, String folded, String key, String path, JsonParser p)
      throws UnreadableException {
    Seen before = seen.putIfAbsent(folded, new Seen(key, p.currentTokenLocation()));
    if (before != null) {
      throw duplicate(path, before, key, p);
    }
  }

  /** Keys of data kept verbatim are compared exactly, as JSON compares them. */
  private void onceExact(Map<String, Seen> seen, String key, String path, JsonParser p) throws UnreadableException {
    Seen before = seen.putIfAbsent(key, new Seen(key, p.currentTokenLocation()));
    if (before != null) {
      throw duplicate(path, before, key, p);
    }
  }

  private UnreadableException duplicate(String path, Seen before, String now, JsonParser p) {
    String spellings = before.key().equals(now) ? "'" + now + "' twice"
        : "as '" + before.key() + "' and as '" + now + "'";
    return new UnreadableException("PAYLOAD_DUPLICATE_KEY", path + " at " + position(p.currentTokenLocation())
        + ": the key appears " + spellings + " (first at " + position(before.at()) + "); keys are matched"
        + " regardless of case, so which value is meant cannot be told", "send each key once");
  }

  private UnreadableException wrongType(String path, JsonToken t, JsonParser p, String expected) {
    return new UnreadableException("PAYLOAD_WRONG_TYPE", path + " at " + position(p.currentTokenLocation()) + ": is "
        + kind(t) + ", but must be " + expected + "; it is not converted", "send " + last(path) + " as "
        + expected);
  }

  private UnreadableException trailing(JsonLocation end) {
    int offset = (int) Math.min(bytes.length, Math.max(0, end.getByteOffset()));
    while (offset < bytes.length && (bytes[offset] == ' ' || bytes[offset] == '\t' || bytes[offset] == '\r'
        || bytes[offset] == '\n')) {
      offset++;
    }
    return new UnreadableException("PAYLOAD_TRAILING_DATA", at(subject(), offset)
        + ": more text follows the lead object",
        "send exactly one JSON object, with nothing after it");
  }

  private UnreadableException broken(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    if (e instanceof StreamConstraintsException over) {
      return overLimit(over, subject(), "send the marketplace's lead object; keep extra data small");
    }
    String m = e.getOriginalMessage();
    if (m != null && m.contains("surrogate") && m.contains("in field name") && at != null
        && e.getProcessor() instanceof JsonParser p) {
      // "\uD800" in a key is JSON all the same (RFC 8259 section 7 allows the escape), and is half a character, as in
      // a value; Jackson refuses it in keys only, so it was said as "not valid JSON", under another code than a value's
      return loneSurrogateInKey(containerPath(p.getParsingContext()), at);
    }
    return new UnreadableException("PAYLOAD_BROKEN_JSON", (at == null ? subject() : at(subject(), at))
        + ": is not valid JSON: "
        + reason(e.getOriginalMessage()), "send the marketplace's lead JSON object, complete and well-formed");
  }

  /**
   * A key holding an escaped lone surrogate in the object at {@code objectPath}, which the parser stopped at just after
   * it ({@code at}): said as a value's lone surrogate is, at where the key starts, with the escape as sent.
   */
  private UnreadableException loneSurrogateInKey(String objectPath, JsonLocation at) {
    int end = (int) Math.min(bytes.length, Math.max(0, at.getByteOffset()));
    String escape = "";
    int from = end;
    for (int i = Math.min(end, bytes.length - 6); i >= 0 && i >= end - 16; i--) {
      if (bytes[i] == '\\' && bytes[i + 1] == 'u'
          && new String(bytes, i + 2, 4, StandardCharsets.US_ASCII).matches("[dD][89a-fA-F][0-9a-fA-F]{2}")) {
        escape = " \\u" + new String(bytes, i + 2, 4, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
        from = i;
        break;
      }
    }
    // the key's opening quote: the nearest one before the escape that no backslash escapes
    int key = from - 1;
    while (key > 0 && !(bytes[key] == '"' && backslashesBefore(key) % 2 == 0)) {
      key--;
    }
    return new UnreadableException("PAYLOAD_LONE_SURROGATE", objectPath + " at " + position(Math.max(0, key))
        + ": holds a key with a lone surrogate" + escape + ", half of a character that cannot be read",
        "send the key as valid Unicode");
  }

  private int backslashesBefore(int i) {
    int n = 0;
    while (i - n - 1 >= 0 && bytes[i - n - 1] == '\\') {
      n++;
    }
    return n;
  }

  /** The path of the object or array a parser context stands in, as diagnoses name it ({@code UserDetails.X[0]}). */
  private String containerPath(com.fasterxml.jackson.core.JsonStreamContext ctx) {
    StringBuilder path = new StringBuilder();
    for (com.fasterxml.jackson.core.JsonStreamContext c = ctx; c != null && c.getParent() != null
        && !c.getParent().inRoot(); c = c.getParent()) {
      com.fasterxml.jackson.core.JsonStreamContext parent = c.getParent();
      path.insert(0, parent.inArray() ? "[" + parent.getCurrentIndex() + "]" : "." + parent.getCurrentName());
    }
    return path.length() == 0 ? subject() : prefix + path.substring(path.charAt(0) == '.' ? 1 : 0);
  }

  /** {@code path at line L, column C}; for an NDJSON line the body is the line, so just its position. */
  private String at(String path, JsonLocation location) {
    return "body".equals(path) && line > 0 ? position(location) : path + " at " + position(location);
  }

  private String at(String path, int offset) {
    return "body".equals(path) && line > 0 ? position(offset) : path + " at " + position(offset);
  }

  private String subject() {
    return prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1);
  }

  /** Strings must be whole Unicode: an escape of half a character ({@code \uD800}) cannot be read. */
  private void checkText(String s, String path, JsonParser p) throws UnreadableException {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(ch)) {
        throw new UnreadableException("PAYLOAD_LONE_SURROGATE", path + " at " + position(p.currentTokenLocation())
            + ": holds a lone surrogate " + String.format(Locale.ROOT, "\\u%04X", (int) ch) + " at character "
            + (i + 1) + ", half of a character that cannot be read", "send the text as valid Unicode");
      }
    }
  }

  /** Jackson's message without its parser hints (features to enable, source excerpts). */
  public static String reason(String original) {
    if (original == null) {
      return "malformed";
    }
    String r = original;
    for (String cut : new String[] {"\n", ": enable ", " (start marker", "; to allow", " (StreamReadConstraints",
        ": was expecting (JSON String, Number", " as part of", " (for Object starting"}) {
      int i = r.indexOf(cut);
      if (i > 0) {
        r = r.substring(0, i);
      }
    }
    return r.replace("JsonToken.", "").replace("Unexpected end-of-input", "the text ends too early")
        .replace("within/between Object entries", "inside an object")
        .replace("within/between Array entries", "inside an array")
        .replace(" in VALUE_STRING", " inside a text").replace(" in FIELD_NAME", " inside a key").strip();
  }

  private String position(JsonLocation at) {
    long offset = at.getByteOffset();
    if (offset >= 0) {
      return position((int) Math.min(bytes.length, offset));
    }
    return line > 0 ? "line " + line + ", column " + at.getColumnNr() : "line " + at.getLineNr() + ", column "
        + at.getColumnNr();
  }

  /** Line and column (in characters, 1-based) of a byte offset: the NDJSON line when reading one. */
  private String position(int offset) {
    offset += shift; // counted in the payload as sent, blanks left out before the value included
    int l = 1;
    int lineStart = 0;
    for (int i = 0; i < offset && i < shown.length; i++) {
      if (shown[i] == '\n') {
        l++;
        lineStart = i + 1;
      }
    }
    int column = 1;
    for (int i = lineStart; i < offset && i < shown.length; i++) {
      if ((shown[i] & 0xC0) != 0x80) {
        column++;
      }
    }
    String pos = "line " + (line > 0 ? line + l - 1 : l) + ", column " + column;
    return where == null ? pos : pos + " " + where;
  }

  private int firstSignificant() {
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return i;
      }
    }
    return -1;
  }

  private static String kind(JsonToken t) {
    if (t == null) {
      return "missing";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a text";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> "a " + t.name().toLowerCase(Locale.ROOT);
    };
  }

  private static String describe(int b) {
    int c = b & 0xFF;
    return c >= 0x21 && c < 0x7F ? "'" + (char) c + "'" : String.format(Locale.ROOT, "byte 0x%02X", c);
  }

  private static String last(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? path : path.substring(dot + 1);
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  private static Map<String, String> canonical(List<List<String>> groups) {
    Map<String, String> m = new HashMap<>();
    for (List<String> g : groups) {
      for (String k : g) {
        m.put(lower(k), g.get(0));
      }
    }
    return Map.copyOf(m);
  }
}
