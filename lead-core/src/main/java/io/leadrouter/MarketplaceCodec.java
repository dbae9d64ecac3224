package io.leadrouter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
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

  private static final Set<String> JSON_KEYS = caseInsensitive(
      "UserDetails", "CustomerInfo", "LeadSource", "ActionCode", "OfferTitle", "OfferDisplayName", "Description",
      "LeadId", "CreatedTime");
  private static final Set<String> ENTITY_KEYS = caseInsensitive(
      "PartitionKey", "RowKey", "Timestamp", "odata.etag", "ActionCode", "CreatedTime", "CustomerInfo",
      "Description", "LeadSource", "OfferDisplayName", "Attributes");
  private static final MarketplaceCodec STANDARD = new MarketplaceCodec(DEFAULT_MAX_BODY_BYTES);

  private final int maxBodyBytes;
  private final ObjectMapper mapper;

  private MarketplaceCodec(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxStringLength(maxBodyBytes).maxNestingDepth(32).maxDocumentLength(maxBodyBytes).build())
        .build();
    this.mapper = new ObjectMapper(factory);
  }

  /** The codec with the default body limit. */
  public static MarketplaceCodec standard() {
    return STANDARD;
  }

  /** A codec accepting JSON bodies of at most {@code maxBodyBytes}. */
  public static MarketplaceCodec withMaxBodyBytes(int maxBodyBytes) {
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be positive: " + maxBodyBytes);
    }
    return new MarketplaceCodec(maxBodyBytes);
  }

  /** The largest JSON body this codec accepts. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /**
   * Decodes the marketplace's HTTPS JSON body. Its id is the body's {@code LeadId} if present, else derived from
   * the body bytes (so the same post twice is one lead); its time is {@code CreatedTime} if present, else now.
   *
   * @throws InvalidLeadException naming the problem: too large, not JSON, not an object
   */
  public Lead fromJson(byte[] body) {
    checkSize(body);
    return fromJson(body, LeadId.derivedFrom(body), Instant.now());
  }

  /** Decodes the HTTPS JSON body, using {@code id} and {@code createdTime} unless the body carries its own. */
  public Lead fromJson(byte[] body, LeadId id, Instant createdTime) {
    checkSize(body);
    JsonNode root;
    try {
      root = mapper.readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidLeadException("body", "is not valid JSON: " + e.getOriginalMessage()
          + location(e), "send the marketplace's lead JSON object");
    } catch (java.io.IOException e) {
      throw new InvalidLeadException("body", "could not be read: " + e.getMessage(), "send the body again");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidLeadException("body", "is not a JSON object", "send the marketplace's lead JSON object");
    }
    Map<String, JsonNode> fields = fieldsOf(root);
    JsonNode user = fields.getOrDefault("UserDetails", fields.get("CustomerInfo"));
    if (user != null && user.isTextual()) {
      user = parseEmbedded(user.asText(), "UserDetails");
    }
    CustomerInfo customer = user == null || !user.isObject() ? CustomerInfo.EMPTY : customer(fieldsOf(user));
    Lead.Builder b = Lead.builder()
        .id(fields.containsKey("LeadId") ? LeadId.of(text(fields.get("LeadId"))) : id)
        .createdTime(fields.containsKey("CreatedTime")
            ? parseTime(text(fields.get("CreatedTime")), "CreatedTime") : createdTime)
        .customer(customer)
        .source(source(text(fields.get("LeadSource")), text(fields.get("ActionCode"))))
        .offerTitle(text(fields.getOrDefault("OfferTitle", fields.get("OfferDisplayName"))))
        .description(text(fields.get("Description")));
    fields.forEach((k, v) -> {
      if (!JSON_KEYS.contains(k)) {
        b.attribute(k, v.isValueNode() ? v.asText() : v.toString());
      }
    });
    return b.build();
  }

  /** Encodes a lead as the marketplace's HTTPS JSON body (plus {@code LeadId} and {@code CreatedTime}). */
  public byte[] toJson(Lead lead) {
    try {
      return mapper.writeValueAsBytes(toJsonTree(lead));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a lead always encodes", e);
    }
  }

  /** Encodes a lead as the marketplace's HTTPS JSON body, as text. */
  public String toJsonString(Lead lead) {
    return new String(toJson(lead), java.nio.charset.StandardCharsets.UTF_8);
  }

  private ObjectNode toJsonTree(Lead lead) {
    ObjectNode root = mapper.createObjectNode();
    root.set("UserDetails", customerNode(lead.customer()));
    root.put("LeadSource", lead.source().raw());
    root.put("ActionCode", lead.source().actionText());
    root.put("OfferTitle", lead.offerTitle());
    root.put("Description", lead.description());
    root.put("LeadId", lead.id().value());
    root.put("CreatedTime", lead.createdTime().toString());
    lead.attributes().forEach(root::put);
    return root;
  }

  /**
   * Decodes an Azure Table entity as the marketplace writes it ({@code RowKey} = lead id, {@code CustomerInfo} a JSON
   * string). Values may be strings, {@link OffsetDateTime}, {@link Instant} or {@link Date}.
   */
  public Lead fromTableEntity(Map<String, Object> entity) {
    Map<String, Object> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    fields.putAll(entity);
    String rowKey = str(fields.get("RowKey"));
    if (rowKey.isEmpty()) {
      throw new InvalidLeadException("RowKey", "is missing", "every marketplace lead row has a RowKey (its lead id)");
    }
    JsonNode user = parseEmbedded(str(fields.get("CustomerInfo")), "CustomerInfo");
    Lead.Builder b = Lead.builder()
        .id(LeadId.of(rowKey))
        .createdTime(time(fields.containsKey("CreatedTime") ? fields.get("CreatedTime") : fields.get("Timestamp")))
        .customer(user != null && user.isObject() ? customer(fieldsOf(user)) : CustomerInfo.EMPTY)
        .source(source(str(fields.get("LeadSource")), str(fields.get("ActionCode"))))
        .offerTitle(str(fields.get("OfferDisplayName")))
        .description(str(fields.get("Description")));
    JsonNode attributes = parseEmbedded(str(fields.get("Attributes")), "Attributes");
    if (attributes != null && attributes.isObject()) {
      attributes.fields().forEachRemaining(e -> b.attribute(e.getKey(), e.getValue().asText()));
    }
    fields.forEach((k, v) -> {
      if (!ENTITY_KEYS.contains(k) && v != null) {
        b.attribute(k, v.toString());
      }
    });
    return b.build();
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

  /** The marketplace's partition key for a creation time: UTC date {@code M/d/yyyy} with {@code /} as {@code :2F}. */
  public static String partitionKey(Instant createdTime) {
    OffsetDateTime t = OffsetDateTime.ofInstant(createdTime, ZoneOffset.UTC);
    return t.getMonthValue() + ":2F" + t.getDayOfMonth() + ":2F" + t.getYear();
  }

  private ObjectNode customerNode(CustomerInfo c) {
    ObjectNode u = mapper.createObjectNode();
    u.put("FirstName", c.firstName());
    u.put("LastName", c.lastName());
    u.put("Email", c.email());
    u.put("Phone", c.phone());
    u.put("Country", c.country());
    u.put("Company", c.company());
    u.put("Title", c.title());
    return u;
  }

  private static CustomerInfo customer(Map<String, JsonNode> u) {
    return new CustomerInfo(text(u.get("FirstName")), text(u.get("LastName")), text(u.get("Email")),
        text(u.get("Phone")), text(u.get("Country")), text(u.get("Company")), text(u.get("Title")));
  }

  private static LeadSource source(String leadSource, String actionCode) {
    if (leadSource.indexOf('|') >= 0 || leadSource.indexOf('-') >= 0) {
      LeadSource parsed = LeadSource.parse(leadSource);
      if (parsed.actionText().isEmpty() && !actionCode.isBlank()) {
        return LeadSource.of(parsed.channelText(), actionCode, parsed.offerId(), leadSource);
      }
      return parsed;
    }
    // the short form: "LeadSource":"AzureMarketplace","ActionCode":"INS"
    return LeadSource.of(leadSource, actionCode, "", leadSource);
  }

  private JsonNode parseEmbedded(String json, String path) {
    if (json.isBlank()) {
      return null;
    }
    try {
      return mapper.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidLeadException(path, "is not valid JSON: " + e.getOriginalMessage() + location(e),
          "write " + path + " as a JSON object");
    }
  }

  private void checkSize(byte[] body) {
    if (body.length > maxBodyBytes) {
      throw new InvalidLeadException("body", "is " + body.length + " bytes, over the limit of " + maxBodyBytes
          + " bytes", "a marketplace lead is a few KiB: check what is being sent");
    }
  }

  private static Map<String, JsonNode> fieldsOf(JsonNode node) {
    Map<String, JsonNode> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      fields.putIfAbsent(e.getKey(), e.getValue());
    }
    return fields;
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() ? "" : n.isValueNode() ? n.asText() : n.toString();
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
    return parseTime(o.toString(), "CreatedTime");
  }

  private static Instant parseTime(String text, String path) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e2) {
        throw new InvalidLeadException(path, "'" + text + "' is not an ISO-8601 time",
            "write it like 2026-11-25T10:15:30Z");
      }
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
