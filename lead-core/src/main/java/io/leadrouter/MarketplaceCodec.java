package io.leadrouter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.spi.Require;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAccessor;
import io.leadrouter.internal.IsoInstants;
import io.leadrouter.internal.intake.IsoTimes;
import io.leadrouter.internal.intake.LeadNormalizer;
import io.leadrouter.internal.intake.PayloadReader;
import io.leadrouter.spi.Diagnosis;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.nio.charset.Charset;
import java.util.Set;
import java.util.TreeMap;

/**
 * Converts between {@link Lead} and the two forms the marketplace writes: the JSON body it POSTs to an HTTPS
 * endpoint (keys matched case-insensitively, {@code Description} kept verbatim) and the entity it writes to Azure
 * Table storage ({@code CustomerInfo} as a JSON string). Unknown keys are kept as attributes, never dropped.
 * Thread-safe.
 */
public final class MarketplaceCodec {
  /** Default largest JSON body accepted: 1 MiB, far above any real lead. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

  private static final Set<String> ENTITY_KEYS = caseInsensitive(
      "PartitionKey", "RowKey", "Timestamp", "odata.etag", "ActionCode", "CreatedTime", "CustomerInfo",
      "Description", "LeadSource", "OfferDisplayName", "Attributes");
  private static final MarketplaceCodec STANDARD = new MarketplaceCodec(DEFAULT_MAX_BODY_BYTES);

  private final int maxBodyBytes;
  private final ObjectMapper mapper;

  private MarketplaceCodec(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    // reads only what is no body: a table row's Attributes column and a kept table row, as large as the Table service
    // allows (1 MiB an entity, written out as JSON maybe more); a number is kept as written, however long, as a body's
    // is. Keys keep Jackson's limit and nesting ours; each limit hit is said as that (PayloadReader.overLimit)
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE)
            .maxNumberLength(Integer.MAX_VALUE).maxNestingDepth(32).maxDocumentLength(-1).build())
        .build();
    this.mapper = new ObjectMapper(factory);
  }

  /** The codec with the default body limit. */
  public static MarketplaceCodec standard() {
    return STANDARD;
  }

  /** A codec accepting JSON bodies of at most {@code maxBodyBytes}. */
  public static MarketplaceCodec withMaxBodyBytes(int maxBodyBytes) {
    return new MarketplaceCodec(Require.atLeast(maxBodyBytes, 1, "maxBodyBytes"));
  }

  /** The largest JSON body this codec accepts. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /**
   * The id of a payload that carries no {@code LeadId} of its own: derived from its bytes ({@link LeadId#derivedFrom})
   * without a leading UTF-8 byte-order mark and the JSON white space around the value, which are no content. So one
   * lead is one id however it arrives: a file's line ({@code route}), the same file posted whole with its final line
   * break ({@code curl --data-binary @lead.json} to {@code serve}), or a body an editor saved with a byte-order mark.
   */
  public static LeadId derivedId(byte[] payload) {
    Objects.requireNonNull(payload, "payload");
    if (!PayloadReader.encodingOf(payload).equals(java.nio.charset.StandardCharsets.UTF_8)) {
      return LeadId.derivedFrom(payload); // UTF-16/32: its white space is two or four bytes, kept as sent
    }
    int from = payload.length >= 3 && (payload[0] & 0xFF) == 0xEF && (payload[1] & 0xFF) == 0xBB
        && (payload[2] & 0xFF) == 0xBF ? 3 : 0;
    int to = payload.length;
    while (from < to && jsonSpace(payload[from])) {
      from++;
    }
    while (to > from && jsonSpace(payload[to - 1])) {
      to--;
    }
    return from == 0 && to == payload.length ? LeadId.derivedFrom(payload)
        : LeadId.derivedFrom(java.util.Arrays.copyOfRange(payload, from, to));
  }

  private static boolean jsonSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\r' || b == '\n';
  }

  /**
   * Decodes the marketplace's HTTPS JSON body. Its id is the body's {@code LeadId} if present, else derived from
   * the body bytes (so the same post twice is one lead); its time is {@code CreatedTime} if present, else now.
   *
   * @throws InvalidLeadException when the body cannot be read unambiguously (see {@link #read(byte[])})
   */
  public Lead fromJson(byte[] body) {
    return orThrow(read(body));
  }

  /**
   * Decodes the HTTPS JSON body, using {@code id} and {@code createdTime} unless the body carries its own.
   *
   * @throws InvalidLeadException when the body cannot be read unambiguously
   */
  public Lead fromJson(byte[] body, LeadId id, Instant createdTime) {
    return orThrow(read(body, id, createdTime));
  }

  /**
   * Reads the marketplace's HTTPS JSON body strictly: the lead, normalised and flagged, or why it cannot be read
   * unambiguously (duplicate keys in any case, a wrong JSON type, trailing data, a second object, invalid UTF-8,
   * lone surrogates, absurd nesting, too large, not JSON). Its id and time are as for {@link #fromJson(byte[])}.
   */
  public ReadResult read(byte[] body) {
    Objects.requireNonNull(body, "body");
    return read(body, 0, null, () -> derivedId(body), Instant.now());
  }

  /** Reads the HTTPS JSON body strictly, using {@code id} and {@code createdTime} unless the body carries its own. */
  public ReadResult read(byte[] body, LeadId id, Instant createdTime) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(createdTime, "createdTime");
    return read(body, 0, null, () -> id, createdTime);
  }

  /**
   * Reads the HTTPS JSON body strictly as {@link #read(byte[], LeadId, Instant)} does, for a request that declares its
   * charset ({@link #declaredCharset}): a body that is not UTF-8 is read as {@code declared} (strictly: a byte with no
   * character there makes it unreadable) and flagged {@link LeadFlag#BODY_NOT_UTF8}; one that is valid UTF-8 is read
   * as UTF-8, as RFC 8259 (section 8.1) requires of JSON whatever its label says.
   */
  public ReadResult read(byte[] body, Charset declared, LeadId id, Instant createdTime) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(declared, "declared");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(createdTime, "createdTime");
    return read(body, 0, declared, () -> id, createdTime);
  }

  /**
   * The charset a {@code Content-Type} value declares ({@code application/json; charset=windows-1252}, any case,
   * quoted or not) when this JVM knows it; empty without one or for a name it does not know (the body is then read as
   * UTF-8). Also reads the charset an origin made with {@link #declaring} names.
   */
  public static Optional<Charset> declaredCharset(String contentType) {
    if (contentType == null) {
      return Optional.empty();
    }
    java.util.regex.Matcher m = CHARSET.matcher(contentType);
    if (!m.find()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Charset.forName(m.group(1)));
    } catch (IllegalArgumentException e) { // unknown or illegal name
      return Optional.empty();
    }
  }

  private static final java.util.regex.Pattern CHARSET = java.util.regex.Pattern.compile(
      "(?i)(?:^|[;\\s(])charset\\s*=\\s*\"?([A-Za-z0-9._:+-]{1,40})\"?");

  /**
   * The note to end a quarantine origin with when the request declared {@code charset} ({@code (Content-Type
   * charset=windows-1252)}): {@link LeadRouter#replayQuarantined} reads the payload again as declared.
   */
  public static String declaring(Charset charset) {
    return "(Content-Type charset=" + charset.name() + ")";
  }

  /**
   * How many leads a body holding a JSON array of them ({@code [{...},{...}]}) holds, or -1 when the body is no
   * well-formed JSON array in UTF-8 (read it with {@link #read}: a broken array is unreadable whole). Counts without
   * keeping anything, so a receiver can refuse too many before storing any.
   */
  public static int arrayLength(byte[] body) {
    return PayloadReader.arrayElements(Objects.requireNonNull(body, "body"), null);
  }

  /**
   * The elements of a body holding a JSON array ({@link #arrayLength} 0 or more), each as its exact bytes in the body,
   * in order; each is one lead to {@link #readElement}, kept alone in quarantine when it cannot be read. Empty for a
   * body that is no such array.
   */
  public static List<byte[]> arrayElements(byte[] body) {
    List<byte[]> elements = new java.util.ArrayList<>();
    return PayloadReader.arrayElements(Objects.requireNonNull(body, "body"), elements::add) < 0 ? List.of()
        : elements;
  }

  /**
   * Reads element {@code index} (from 0) of an array body as {@link #readLine} reads a line: its id is its
   * {@code LeadId}, else derived from its bytes; a diagnosis names the element as the path's start
   * ({@code [2].UserDetails.email at line 1, column 35 of the element: ...}). An element that is no object (a text, a
   * number, an array inside the array) is unreadable alone: which lead it would be cannot be told.
   */
  public ReadResult readElement(byte[] element, int index) {
    Objects.requireNonNull(element, "element");
    ReadResult read = read(element, 0, null, () -> derivedId(element), Instant.now());
    if (read instanceof ReadResult.Unreadable u) {
      Diagnosis d = u.diagnosis();
      String m = d.message();
      int colon = m.indexOf(": ");
      String where = colon < 0 ? "body" : m.substring(0, colon);
      where = (where.startsWith("body") ? "[" + index + "]" + where.substring(4) : "[" + index + "]." + where)
          + (where.contains(" at line ") ? " of the element" : "");
      return unreadable(d.code(), where + (colon < 0 ? ": " + m : m.substring(colon)), d.remediation());
    }
    return read;
  }

  /**
   * Reads one NDJSON line strictly; positions in a diagnosis name {@code lineNumber}. Its id is the line's
   * {@code LeadId}, else derived from the line's bytes.
   */
  public ReadResult readLine(byte[] line, int lineNumber) {
    Objects.requireNonNull(line, "line");
    if (lineNumber < 1) {
      throw new IllegalArgumentException("lineNumber must be 1 or more: " + lineNumber);
    }
    return read(line, lineNumber, null, () -> derivedId(line), Instant.now());
  }

  private ReadResult read(byte[] body, int line, Charset declared, java.util.function.Supplier<LeadId> id,
      Instant createdTime) {
    if (body.length > maxBodyBytes) {
      return unreadable("PAYLOAD_TOO_LARGE", (line > 0 ? "line " + line : "body") + ": is " + body.length
          + " bytes, over the limit of " + maxBodyBytes + " bytes", "a marketplace lead is a few KiB: check what "
          + "is being sent");
    }
    PayloadReader.Payload payload;
    try {
      payload = PayloadReader.read(body, line, declared);
    } catch (PayloadReader.UnreadableException e) {
      return new ReadResult.Unreadable(e.diagnosis());
    }
    if (payload.customerKey == null && !payload.fields.containsKey("LeadSource")) {
      return unreadable("PAYLOAD_NO_LEAD_FIELDS", (line > 0 ? "line " + line : "body") + ": has neither UserDetails"
          + " nor LeadSource, so it is no marketplace lead that can be told apart from other JSON",
          "send {\"UserDetails\":{...},\"LeadSource\":\"...\",...} as the marketplace does");
    }
    if (tableRowShaped(payload, body)) {
      // the marketplace's table row posted as a body (PartitionKey, RowKey, CustomerInfo as text: a flow forwarding the
      // MarketplaceLeads row, a table export as NDJSON) is read as that row: its id is RowKey, as the table poller reads
      // it, so the lead polled from the table and posted is one lead, delivered once (its id was derived from the bytes,
      // another lead, and RowKey and PartitionKey went on to every CRM as the lead's own keys)
      return readTableRow(body);
    }
    return new ReadResult.Readable(build(payload, id, createdTime));
  }

  /**
   * Whether a payload read as a body is the Table service's row of a marketplace lead: UTF-8 as sent, no
   * {@code LeadId} and no {@code UserDetails}, top-level {@code PartitionKey} and {@code RowKey}, and every value a
   * text, a 32-bit integer, a boolean or null, as a row's columns are ({@link #readTableRow}).
   */
  private boolean tableRowShaped(PayloadReader.Payload p, byte[] body) {
    if (p.encoding != null || p.encodedTwice || p.trimmed != null || p.fields.containsKey("LeadId")
        || p.customerKey != null && !p.customerKey.equalsIgnoreCase("CustomerInfo")
        || p.attributes.keySet().stream().noneMatch("RowKey"::equalsIgnoreCase)
        || p.attributes.keySet().stream().noneMatch("PartitionKey"::equalsIgnoreCase)) {
      return false;
    }
    try {
      JsonNode node = mapper.readTree(body);
      if (node == null || !node.isObject()) {
        return false;
      }
      for (JsonNode v : node) {
        if (!(v.isTextual() || v.isNull() || v.isInt() || v.isBoolean())) {
          return false; // a CustomerInfo object, a structure, a long or fractional number: read as the body it is
        }
      }
      return true;
    } catch (IOException e) {
      return false; // read strictly already: cannot happen, and then it is read as a body
    }
  }

  /** Turns a payload read unambiguously into a lead: lenient about content, flagging what it normalised. */
  private static Lead build(PayloadReader.Payload p, java.util.function.Supplier<LeadId> defaultId,
      Instant defaultTime) {
    Lead.Builder b = Lead.builder();
    PayloadReader.Field leadId = p.fields.get("LeadId");
    LeadId id = null;
    if (leadId != null) {
      try {
        // white space around an id (a CSV export's padding, a pasted line break) is never part of it: " abc-1 " sent
        // again as "abc-1" is one lead, never a second delivery under an id derived from the payload
        String trimmed = LeadSource.trim(leadId.value());
        // a GUID in braces or parentheses (.NET's "B" and "P" formats, as Dynamics exports show it) is the GUID: the
        // brackets are no id character, so such an id was unusable and each sending of one lead was a lead of its own
        java.util.regex.Matcher guid = BRACKETED_GUID.matcher(trimmed);
        String bare = !guid.matches() ? trimmed : guid.group(1) != null ? guid.group(1) : guid.group(2);
        id = LeadId.of(bare);
        if (!bare.equals(leadId.value())) {
          b.flag(new LeadFlag(LeadFlag.LEAD_ID_NORMALISED, leadId.path(), "removed "
              + (trimmed.equals(leadId.value()) ? "" : "white space or invisible characters around the id"
                  + (bare.equals(trimmed) ? "" : " and "))
              + (bare.equals(trimmed) ? "" : "the " + (trimmed.charAt(0) == '{' ? "braces" : "parentheses")
                  + " around its GUID") + "; the id itself is unchanged",
              // the id as an id is shown (a phone in it masked, tel-***78), with what was removed around it as sent
              clip(leadId.value().replace(bare, Pii.maskLeadId(bare)))));
        }
      } catch (InvalidLeadException e) {
        b.flag(new LeadFlag(LeadFlag.LEAD_ID_UNUSABLE, leadId.path(), e.problems().get(0).message()
            + "; an id derived from the payload is used", Pii.maskLeadId(clip(leadId.value()))));
      }
    }
    b.id(id != null ? id : defaultId.get());
    PayloadReader.Field created = p.fields.get("CreatedTime");
    Instant time = defaultTime;
    if (created != null) {
      try {
        time = parseTime(created.value(), created.path());
      } catch (InvalidLeadException e) {
        b.flag(new LeadFlag(LeadFlag.CREATED_TIME_UNREADABLE, created.path(), e.problems().get(0).message()
            + "; the time of receipt is used", clip(created.value())));
      }
    }
    b.createdTime(time);
    if (p.encoding != null) {
      b.flag(LeadFlag.of(LeadFlag.BODY_NOT_UTF8, "body", "the body is " + p.encoding + ", not UTF-8 as JSON"
          + " requires: read as that; send UTF-8"));
    }
    if (p.encodedTwice) {
      b.flag(LeadFlag.of(LeadFlag.BODY_NORMALISED, "body", "the body is a JSON text holding the lead's JSON object"
          + " (encoded twice): read as that object; send the object itself"));
    }
    if (p.trimmed != null) {
      b.flag(LeadFlag.of(LeadFlag.BODY_NORMALISED, "body", "left out " + p.trimmed + " the JSON value: they are no"
          + " JSON white space, and never part of a lead; send the JSON alone"));
    }
    b.customer(new CustomerInfo(value(p.customer, "FirstName"), value(p.customer, "LastName"),
        value(p.customer, "Email"), value(p.customer, "Phone"), value(p.customer, "Country"),
        value(p.customer, "Company"), value(p.customer, "Title")));
    PayloadReader.Field action = p.fields.get("ActionCode");
    PayloadReader.Field leadSource = p.fields.get("LeadSource");
    b.source(source(value(p.fields, "LeadSource"), leadSource == null ? "LeadSource" : leadSource.path(),
        value(p.fields, "ActionCode"), action == null ? "ActionCode" : action.path(), value(p.fields, "OfferTitle"),
        b));
    b.offerTitle(value(p.fields, "OfferTitle"));
    b.description(value(p.fields, "Description"));
    p.attributes.forEach(b::attribute);
    return LeadNormalizer.normalize(b.build(), p.senderPaths());
  }

  private static String value(Map<String, PayloadReader.Field> fields, String name) {
    PayloadReader.Field f = fields.get(name);
    return f == null ? "" : f.value();
  }

  private static Lead orThrow(ReadResult result) {
    if (result instanceof ReadResult.Readable r) {
      return r.lead();
    }
    Diagnosis d = ((ReadResult.Unreadable) result).diagnosis();
    // every diagnosis message reads "<where>: <what>"
    int colon = d.message().indexOf(": ");
    throw colon < 0 ? new InvalidLeadException("payload", d.message(), d.remediation())
        : new InvalidLeadException(d.message().substring(0, colon), d.message().substring(colon + 2), d.remediation());
  }

  private static ReadResult.Unreadable unreadable(String code, String message, String fix) {
    return new ReadResult.Unreadable(new Diagnosis(code, message, fix));
  }

  private static String clip(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /** Encodes a lead as the marketplace's HTTPS JSON body (plus {@code LeadId} and {@code CreatedTime}). */
  public byte[] toJson(Lead lead) {
    // streamed, not built as a tree or a map first: the body is encoded for every delivery (the tree was a sixth of
    // an HTTPS delivery thread's samples, the maps later still a sixth of what encoding took)
    Map<String, String> at = lead.attributes();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(1024);
    try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
      g.writeStartObject();
      // an attribute named like a field replaces it where the field stands (as a JSON object's put would)
      String userDetails = at.get("UserDetails");
      if (userDetails != null) {
        g.writeStringField("UserDetails", userDetails);
      } else {
        CustomerInfo c = lead.customer();
        g.writeObjectFieldStart("UserDetails");
        g.writeStringField("FirstName", c.firstName());
        g.writeStringField("LastName", c.lastName());
        g.writeStringField("Email", c.email());
        g.writeStringField("Phone", c.phone());
        g.writeStringField("Country", c.country());
        g.writeStringField("Company", c.company());
        g.writeStringField("Title", c.title());
        g.writeEndObject();
      }
      g.writeStringField("LeadSource", at.getOrDefault("LeadSource", lead.source().raw()));
      g.writeStringField("ActionCode", at.getOrDefault("ActionCode", lead.source().actionText()));
      g.writeStringField("OfferTitle", at.getOrDefault("OfferTitle", lead.offerTitle()));
      g.writeStringField("Description", at.getOrDefault("Description", lead.description()));
      g.writeStringField("LeadId", at.getOrDefault("LeadId", lead.id().value()));
      String created = at.get("CreatedTime");
      g.writeStringField("CreatedTime", created != null ? created : IsoInstants.format(lead.createdTime()));
      for (Map.Entry<String, String> e : at.entrySet()) {
        if (!BODY_FIELDS.contains(e.getKey())) {
          g.writeStringField(e.getKey(), e.getValue());
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("a lead always encodes", e);
    }
    return out.toByteArray();
  }

  /** A GUID in braces or parentheses ({@code {3F2504E0-4F89-11D3-9A0C-0305E82C3301}}). */
  private static final java.util.regex.Pattern BRACKETED_GUID = java.util.regex.Pattern.compile(
      "\\{(\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12})\\}"
          + "|\\((\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12})\\)");

  /** The body's own top-level fields: an attribute of one of these names stands in its place. */
  private static final Set<String> BODY_FIELDS = Set.of("UserDetails", "LeadSource", "ActionCode", "OfferTitle",
      "Description", "LeadId", "CreatedTime");

  /** The customer's fields as the marketplace names them, in its order ({@code UserDetails}, {@code CustomerInfo}). */
  private static Map<String, String> customerFields(CustomerInfo c) {
    Map<String, String> u = new LinkedHashMap<>(10);
    u.put("FirstName", c.firstName());
    u.put("LastName", c.lastName());
    u.put("Email", c.email());
    u.put("Phone", c.phone());
    u.put("Country", c.country());
    u.put("Company", c.company());
    u.put("Title", c.title());
    return u;
  }

  /** Encodes a lead as the marketplace's HTTPS JSON body, as text. */
  public String toJsonString(Lead lead) {
    return new String(toJson(lead), java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Decodes an Azure Table entity as the marketplace writes it ({@code RowKey} = lead id, {@code CustomerInfo} a JSON
   * string). Values may be strings, {@link OffsetDateTime}, {@link Instant} or {@link Date}.
   */
  public Lead fromTableEntity(Map<String, Object> entity) {
    return orThrow(readTableEntity(entity));
  }

  /**
   * Reads an Azure Table entity strictly, as {@link #read(byte[])} reads a body: columns present twice in any case,
   * a non-text value where text is expected, text holding half a character (a lone surrogate) and a
   * {@code CustomerInfo} that cannot be read unambiguously make it unreadable; content is normalised and flagged, never
   * refused.
   */
  public ReadResult readTableEntity(Map<String, Object> entity) {
    Objects.requireNonNull(entity, "entity");
    Map<String, Object> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    Map<String, String> spelled = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Map.Entry<String, Object> e : entity.entrySet()) {
      String before = spelled.putIfAbsent(e.getKey(), e.getKey());
      if (before != null) {
        return unreadable("PAYLOAD_DUPLICATE_KEY", e.getKey() + ": the column appears as '" + before + "' and as '"
            + e.getKey() + "'; columns are matched regardless of case, so which value is meant cannot be told",
            "write each column once");
      }
      fields.put(e.getKey(), e.getValue());
    }
    for (String column : List.of("RowKey", "CustomerInfo", "LeadSource", "ActionCode", "Description",
        "OfferDisplayName", "Attributes")) {
      Object v = fields.get(column);
      if (v != null && !(v instanceof String)) {
        // named as the Table service names it, as the row's writer knows it (not byte[] or Long)
        return unreadable("PAYLOAD_WRONG_TYPE", spelled.get(column) + ": is " + edmType(v)
            + ", but must be text (Edm.String); it is not converted", "write " + column + " as a string column"
            + " (Edm.String)");
      }
    }
    for (Map.Entry<String, Object> e : entity.entrySet()) {
      // text must be whole Unicode, as a body's must (PayloadReader): the Table service stores UTF-16 as sent, so a
      // column may hold half a character (an escaped \uD800), which no UTF-8 journal or destination can take as is.
      // CustomerInfo's own reader says where in its JSON text
      if (e.getValue() instanceof String text && !e.getKey().equalsIgnoreCase("CustomerInfo")) {
        int at = loneSurrogate(text);
        if (at >= 0) {
          return unreadable("PAYLOAD_LONE_SURROGATE", e.getKey() + ": holds a lone surrogate "
              + String.format(java.util.Locale.ROOT, "\\u%04X", (int) text.charAt(at)) + " at character " + (at + 1)
              + ", half of a character that cannot be read", "write " + e.getKey() + " as valid Unicode");
        }
      }
    }
    String rowKey = str(fields.get("RowKey"));
    if (rowKey.isEmpty()) {
      return unreadable("PAYLOAD_NO_LEAD_FIELDS", "RowKey: is missing; every marketplace lead row has one (its lead"
          + " id)", "write the lead id as RowKey");
    }
    PayloadReader.Payload p = new PayloadReader.Payload();
    try {
      if (fields.containsKey("CustomerInfo")) {
        PayloadReader.readEmbeddedCustomer(str(fields.get("CustomerInfo")), spelled.get("CustomerInfo"), p);
      }
    } catch (PayloadReader.UnreadableException e) {
      return new ReadResult.Unreadable(e.diagnosis());
    }
    Instant created;
    String createdWhy = null;
    try {
      created = time(fields.containsKey("CreatedTime") ? fields.get("CreatedTime") : fields.get("Timestamp"));
    } catch (java.time.DateTimeException e) {
      created = null;
      createdWhy = e.getMessage();
    }
    Map<String, String> extra;
    try {
      extra = embeddedAttributes(str(fields.get("Attributes")), spelled.get("Attributes"));
    } catch (PayloadReader.UnreadableException e) {
      return new ReadResult.Unreadable(e.diagnosis());
    }
    Lead.Builder b = Lead.builder();
    LeadId id;
    try {
      id = LeadId.of(rowKey);
    } catch (InvalidLeadException e) {
      // a table allows row keys no lead id does (spaces, any Unicode, up to 1 KiB): derived from it, so the same
      // row read again is the same lead
      id = LeadId.derivedFrom(rowKey);
      b.flag(new LeadFlag(LeadFlag.LEAD_ID_UNUSABLE, spelled.get("RowKey"), e.problems().get(0).message()
          + "; an id derived from it is used", Pii.maskLeadId(clip(rowKey))));
    }
    b.id(id)
        .createdTime(created != null ? created : Instant.now())
        .customer(new CustomerInfo(value(p.customer, "FirstName"), value(p.customer, "LastName"),
            value(p.customer, "Email"), value(p.customer, "Phone"), value(p.customer, "Country"),
            value(p.customer, "Company"), value(p.customer, "Title")))
        .offerTitle(str(fields.get("OfferDisplayName")))
        .description(str(fields.get("Description")));
    if (created == null) {
      Object sent = fields.get("CreatedTime");
      String type = edmType(sent);
      b.flag(new LeadFlag(LeadFlag.CREATED_TIME_UNREADABLE, spelled.getOrDefault("CreatedTime", "CreatedTime"),
          (sent instanceof String ? createdWhy : "is " + type + ", neither a time (Edm.DateTime) nor"
              + " an ISO-8601 text") + "; the time of receipt is used",
          // a binary value as Base64, never as an array's identity ([B@1f2e...)
          clip(sent instanceof byte[] bytes ? java.util.Base64.getEncoder().encodeToString(bytes) : str(sent))));
    }
    b.source(source(str(fields.get("LeadSource")), spelled.getOrDefault("LeadSource", "LeadSource"),
        str(fields.get("ActionCode")), spelled.getOrDefault("ActionCode", "ActionCode"),
        str(fields.get("OfferDisplayName")), b));
    // the Attributes column's keys, the customer's unknown keys and unknown columns are all attributes: two of one
    // name cannot both be kept, and keeping one would drop the other
    Map<String, String> attributes = new LinkedHashMap<>();
    Map<String, String> from = new java.util.HashMap<>();
    List<Map.Entry<String, String>> sources = new java.util.ArrayList<>();
    extra.keySet().forEach(k -> sources.add(Map.entry(k, "the key '" + k + "' of the " + spelled.get("Attributes")
        + " column")));
    p.attributes.keySet().forEach(k -> sources.add(Map.entry(k, p.attributeFrom.getOrDefault(k, k))));
    entity.forEach((k, v) -> {
      if (!ENTITY_KEYS.contains(k) && v != null) {
        sources.add(Map.entry(k, "the column '" + k + "'"));
      }
    });
    for (Map.Entry<String, String> source : sources) {
      // regardless of case, as keys are read: two attributes differing in case only would be sent on as two keys that
      // the next receiver (another LeadRouter's intake) cannot tell apart
      String before = from.putIfAbsent(source.getKey().toLowerCase(java.util.Locale.ROOT), source.getValue());
      if (before != null) {
        return unreadable("PAYLOAD_DUPLICATE_KEY", source.getKey() + ": " + before + " and " + source.getValue()
            + " would both be kept as the attribute '" + source.getKey() + "', so which value is meant cannot be"
            + " told", "keep each value under a name of its own (rename the column, or the key in "
            + spelled.getOrDefault("Attributes", "Attributes") + ")");
      }
    }
    extra.forEach(attributes::put);
    p.attributes.forEach(attributes::put);
    fields.forEach((k, v) -> {
      if (!ENTITY_KEYS.contains(k) && v != null) {
        // a binary column as Base64, never as an array's identity
        attributes.put(k, v instanceof byte[] bytes ? java.util.Base64.getEncoder().encodeToString(bytes)
            : v.toString());
      }
    });
    attributes.forEach(b::attribute);
    Map<String, String> paths = new java.util.HashMap<>(p.senderPaths());
    return new ReadResult.Readable(LeadNormalizer.normalize(b.build(), paths));
  }

  /**
   * Encodes a lead as the entity the marketplace writes to {@code MarketplaceLeads}: {@code PartitionKey} (creation
   * date {@code M/d/yyyy}, {@code /} escaped as {@code :2F}), {@code RowKey}, {@code ActionCode},
   * {@code CreatedTime} ({@link OffsetDateTime}, UTC), {@code CustomerInfo} (JSON string), {@code Description},
   * {@code LeadSource}, {@code OfferDisplayName}, and {@code Attributes} (JSON string) when the lead has any.
   */
  public Map<String, Object> toTableEntity(Lead lead) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("PartitionKey", partitionKey(lead.createdTime()));
    e.put("RowKey", lead.id().value());
    e.put("ActionCode", lead.source().actionText());
    e.put("CreatedTime", OffsetDateTime.ofInstant(lead.createdTime(), ZoneOffset.UTC));
    e.put("CustomerInfo", customerNode(lead.customer()).toString());
    e.put("Description", lead.description());
    e.put("LeadSource", lead.source().raw());
    e.put("OfferDisplayName", lead.offerTitle());
    if (!lead.attributes().isEmpty()) {
      ObjectNode attrs = mapper.createObjectNode();
      lead.attributes().forEach(attrs::put);
      e.put("Attributes", attrs.toString());
    }
    return e;
  }

  /**
   * How the origin of a quarantined Azure Table row starts ({@code azure table MarketplaceLeads row ...}): its payload
   * is {@link #tableRowJson} and is read again with {@link #readTableRow}, not as a body.
   */
  public static final String TABLE_ROW_ORIGIN = "azure table ";

  /**
   * A table row as JSON bytes, to keep in quarantine exactly as it was read: each column in order, text as a string,
   * {@code Edm.Int32} and {@code Edm.Boolean} as JSON numbers and booleans, every other type as text with its
   * {@code <column>@odata.type} (the Table service's own JSON: {@code Edm.DateTime}, {@code Edm.Int64},
   * {@code Edm.Double}, {@code Edm.Guid}, {@code Edm.Binary} in Base64). {@link #readTableRow} reads it back to the same
   * lead, or the same diagnosis, as {@link #readTableEntity} of the row.
   */
  public byte[] tableRowJson(Map<String, Object> entity) {
    Objects.requireNonNull(entity, "entity");
    ObjectNode row = mapper.createObjectNode();
    entity.forEach((k, v) -> {
      if (v == null) {
        row.putNull(k);
      } else if (v instanceof String text) {
        row.put(k, text);
      } else if (v instanceof Integer i) {
        row.put(k, i);
      } else if (v instanceof Boolean b) {
        row.put(k, b);
      } else {
        String type = edmType(v);
        String text;
        if (v instanceof byte[] bytes) {
          text = java.util.Base64.getEncoder().encodeToString(bytes);
        } else if (type.equals("Edm.DateTime")) {
          text = time(v).toString();
        } else {
          text = v.toString();
        }
        row.put(k, text);
        row.put(k + "@odata.type", type);
      }
    });
    try {
      return mapper.writeValueAsBytes(row);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /**
   * Reads a row kept by {@link #tableRowJson} (e.g. from quarantine) as {@link #readTableEntity} reads the row: the
   * same lead (its id from {@code RowKey}) or the same diagnosis. Bytes that are not such JSON are unreadable.
   */
  public ReadResult readTableRow(byte[] json) {
    Objects.requireNonNull(json, "json");
    JsonNode node;
    try {
      node = mapper.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(json);
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      return new ReadResult.Unreadable(PayloadReader.overLimit(e, "row", "look at the row in its table by the"
          + " origin's PartitionKey and RowKey").diagnosis());
    } catch (IOException e) {
      return unreadable("PAYLOAD_NOT_JSON", "row: the kept table row is not JSON (" + e.getClass().getSimpleName()
          + ")", "look at the row in its table by the origin's PartitionKey and RowKey");
    }
    if (node == null || !node.isObject()) {
      return unreadable("PAYLOAD_NOT_AN_OBJECT", "row: the kept table row is not a JSON object",
          "look at the row in its table by the origin's PartitionKey and RowKey");
    }
    Map<String, Object> entity = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String k = f.getKey();
      if (k.endsWith("@odata.type")) {
        continue;
      }
      JsonNode v = f.getValue();
      JsonNode type = node.get(k + "@odata.type");
      try {
        entity.put(k, type == null ? plain(v) : typed(v.asText(), type.asText()));
      } catch (RuntimeException e) {
        return unreadable("PAYLOAD_WRONG_TYPE", k + ": the kept value does not read as " + (type == null ? "JSON text,"
            + " number or boolean" : type.asText()), "look at the row in its table by the origin's PartitionKey and"
            + " RowKey");
      }
    }
    return readTableEntity(entity);
  }

  private static Object plain(JsonNode v) {
    if (v.isNull()) {
      return null;
    } else if (v.isTextual()) {
      return v.textValue();
    } else if (v.isInt()) {
      return v.intValue();
    } else if (v.isBoolean()) {
      return v.booleanValue();
    }
    throw new IllegalArgumentException("not a kept table value: " + v.getNodeType());
  }

  private static Object typed(String text, String type) {
    return switch (type) {
      case "Edm.Binary" -> java.util.Base64.getDecoder().decode(text);
      case "Edm.DateTime" -> OffsetDateTime.ofInstant(Instant.parse(text), ZoneOffset.UTC);
      case "Edm.Int64" -> Long.parseLong(text);
      case "Edm.Double" -> Double.parseDouble(text);
      case "Edm.Guid" -> java.util.UUID.fromString(text);
      default -> new Opaque(text);
    };
  }

  /**
   * The Table service's name of a column value's type ({@code Edm.Int64} for a {@code Long}), or {@code Java.<type>}
   * for a value of no Table service type (read back as opaque, not as text).
   */
  private static String edmType(Object v) {
    if (v instanceof String) {
      return "Edm.String";
    } else if (v instanceof byte[]) {
      return "Edm.Binary";
    } else if (v instanceof OffsetDateTime || v instanceof Instant || v instanceof Date) {
      return "Edm.DateTime";
    } else if (v instanceof Long) {
      return "Edm.Int64";
    } else if (v instanceof Integer) {
      return "Edm.Int32";
    } else if (v instanceof Double) {
      return "Edm.Double";
    } else if (v instanceof Boolean) {
      return "Edm.Boolean";
    } else if (v instanceof java.util.UUID) {
      return "Edm.Guid";
    }
    return v == null ? "missing" : "Java." + v.getClass().getSimpleName();
  }

  /** A kept value of a type the Table service does not name: no text column, its text as an attribute. */
  private record Opaque(String text) {
    @Override
    public String toString() {
      return text;
    }
  }

  /** The marketplace's partition key for a creation time: UTC date {@code M/d/yyyy} with {@code /} as {@code :2F}. */
  public static String partitionKey(Instant createdTime) {
    OffsetDateTime t = OffsetDateTime.ofInstant(createdTime, ZoneOffset.UTC);
    return t.getMonthValue() + ":2F" + t.getDayOfMonth() + ":2F" + t.getYear();
  }

  private ObjectNode customerNode(CustomerInfo c) {
    ObjectNode u = mapper.createObjectNode();
    customerFields(c).forEach(u::put);
    return u;
  }

  /**
   * The lead source from the descriptor and {@code ActionCode}. When both name an action and they differ, the
   * stricter wins (a do-not-contact is never lost), else {@code ActionCode}; the conflict is flagged on the lead.
   * A descriptor without an offer part (the HTTPS body's short form {@code "LeadSource":"AzureMarketplace",
   * "ActionCode":"INS","OfferTitle":"Contoso CRM"}) takes the offer from {@code offerTitle}: it is the only name of
   * the offer such a lead carries, and without it no offer rule could ever route the marketplace's own example.
   */
  private static LeadSource source(String leadSource, String leadSourcePath, String actionCode, String actionPath,
      String offerTitle, Lead.Builder b) {
    // cleaned before the action is read from them: "DNC" followed by a NUL is still a do-not-contact
    LeadSource s = source(LeadNormalizer.removeControls(leadSource, leadSourcePath, b::flag),
        LeadNormalizer.removeControls(actionCode, actionPath, b::flag), actionPath, b);
    String offer = LeadSource.trim(offerTitle);
    return s.offerId().isEmpty() && !offer.isEmpty()
        ? new LeadSource(s.channel(), s.channelText(), s.action(), s.actionText(), offer, s.raw()) : s;
  }

  private static LeadSource source(String leadSource, String actionCode, String actionPath, Lead.Builder b) {
    if (io.leadrouter.internal.intake.DoNotContact.amongOtherText(actionCode)) {
      // "DNC;", "[DNC]", "Do Not Contact": the customer asked not to be contacted, whatever LeadSource says
      b.flag(new LeadFlag(LeadFlag.DO_NOT_CONTACT_FOUND, actionPath, "'" + LeadNormalizer.printable(actionCode)
          + "' names DNC (do not contact) among other text: the lead is read as a do-not-contact, the privacy-safe"
          + " reading; send " + actionPath + " as DNC", clip(actionCode)));
      actionCode = LeadAction.DO_NOT_CONTACT.code();
    }
    if (LeadSource.separatorAt(leadSource, '|') >= 0 || LeadSource.separatorAt(leadSource, '-') >= 0) {
      LeadSource parsed = LeadSource.parse(leadSource);
      String ac = LeadSource.trim(actionCode);
      LeadAction fromCode = LeadAction.fromCode(ac).orElse(LeadAction.UNKNOWN);
      // one action however written ("DNC" and the full-width "ＤＮＣ") is no conflict
      if (ac.isEmpty() || parsed.action() == LeadAction.TEST || parsed.actionText().equalsIgnoreCase(ac)
          || (fromCode != LeadAction.UNKNOWN && fromCode == parsed.action())) {
        return parsed;
      }
      if (parsed.actionText().isEmpty()) {
        return LeadSource.of(parsed.channelText(), ac, parsed.offerId(), leadSource);
      }
      boolean keepCode = fromCode == LeadAction.DO_NOT_CONTACT
          || (parsed.action() != LeadAction.DO_NOT_CONTACT && fromCode != LeadAction.UNKNOWN);
      String kept = keepCode ? ac : parsed.actionText();
      b.flag(LeadFlag.of(LeadFlag.ACTION_CONFLICT, actionPath, "LeadSource says '" + parsed.actionText()
          + "' but ActionCode says '" + ac + "': '" + kept + "' is kept" + (kept.equalsIgnoreCase("DNC")
              ? " (do not contact is the stricter)" : keepCode ? " (ActionCode names a known action)"
              : " (ActionCode names no known action)")));
      return LeadSource.of(parsed.channelText(), kept, parsed.offerId(), leadSource);
    }
    // the short form: "LeadSource":"AzureMarketplace","ActionCode":"INS"
    return LeadSource.of(leadSource, actionCode, "", leadSource);
  }

  /**
   * The {@code Attributes} column (the JSON object {@link #toTableEntity} writes), read as strictly as a body: a text
   * value as its text, any other value as its exact JSON; broken JSON, a key twice, anything but an object or
   * anything after it make the row unreadable, never guessed at or dropped.
   */
  private Map<String, String> embeddedAttributes(String json, String column)
      throws PayloadReader.UnreadableException {
    Map<String, String> out = new LinkedHashMap<>();
    if (json.isBlank()) {
      return out;
    }
    JsonNode node;
    try {
      // numbers keep their digits (1.50 stays 1.50); texts are what toTableEntity writes
      node = mapper.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .with(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true)).readTree(json);
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      throw PayloadReader.overLimit(e, column, "write " + column + " as one small JSON object with short keys");
    } catch (JsonProcessingException e) {
      boolean twice = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field");
      throw PayloadReader.unreadable(twice ? "PAYLOAD_DUPLICATE_KEY" : "PAYLOAD_BROKEN_JSON", column
          + location(e) + ": " + (twice ? "holds a key twice (" + e.getOriginalMessage() + "), so which value is meant"
          + " cannot be told" : "is not valid JSON: " + PayloadReader.reason(e.getOriginalMessage())),
          "write " + column + " as one JSON object with each key once");
    }
    if (!node.isObject()) {
      throw PayloadReader.unreadable("PAYLOAD_WRONG_TYPE", column + ": is " + node.getNodeType().name()
          .toLowerCase(java.util.Locale.ROOT) + ", but must be a JSON object in text; it is not converted",
          "write " + column + " as a JSON object, like {\"utm\":\"x\"}");
    }
    node.fields().forEachRemaining(e -> out.put(e.getKey(),
        e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
    return out;
  }

  /** The index of the first half of a character (a surrogate not in a pair) in {@code text}, or -1. */
  private static int loneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (Character.isHighSurrogate(ch) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(ch)) {
        return i;
      }
    }
    return -1;
  }

  private static String str(Object o) {
    return o == null ? "" : o.toString();
  }

  private static Instant time(Object o) {
    if (o == null) {
      return Instant.now();
    }
    if (o instanceof Instant i) {
      return i;
    }
    if (o instanceof OffsetDateTime t) {
      return t.toInstant();
    }
    if (o instanceof Date d) {
      return d.toInstant();
    }
    if (o instanceof TemporalAccessor t) {
      return Instant.from(t);
    }
    return IsoTimes.parse(o.toString());
  }

  /** Every ISO 8601 / RFC 3339 form naming one instant ({@link IsoTimes}); refused with the reason otherwise. */
  private static Instant parseTime(String text, String path) {
    try {
      return IsoTimes.parse(text);
    } catch (java.time.DateTimeException e) {
      // shown, never echoed raw: a sender's ESC sequences (or a megabyte of text) would reach logs and terminals
      throw new InvalidLeadException(path, "'" + LeadNormalizer.printable(text) + "' " + e.getMessage(),
          "write it like 2026-11-25T10:15:30Z");
    }
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null ? ""
        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
  }

  private static Set<String> caseInsensitive(String... keys) {
    java.util.TreeSet<String> s = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    s.addAll(java.util.List.of(keys));
    return s;
  }
}
