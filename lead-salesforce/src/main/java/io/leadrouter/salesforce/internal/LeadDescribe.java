package io.leadrouter.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.TransientDeliveryException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** What {@code GET /sobjects/Lead/describe} says about Lead's fields, reduced to what blocks lead creation. */
public final class LeadDescribe {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Map<String, FieldInfo> fields;

  /**
   * One Lead field.
   *
   * @param name API name
   * @param required createable, not nillable and not defaulted on create: a create without it fails
   * @param restrictedPicklist a picklist that refuses values outside its list
   * @param externalId marked External ID (usable for upsert)
   * @param picklistValues the active picklist values
   * @param createable whether a create may set it (false when field-level security makes it read-only)
   */
  public record FieldInfo(String name, boolean required, boolean restrictedPicklist, boolean externalId,
      List<String> picklistValues, boolean createable) {}

  private LeadDescribe(Map<String, FieldInfo> fields) {
    this.fields = fields;
  }

  /** Fetches and parses Lead's describe. */
  public static LeadDescribe fetch(RestClient rest) throws DeliveryException {
    HttpAnswer r = rest.send("GET", rest.url("sobjects", "Lead", "describe"), null);
    if (!r.successful()) {
      throw rest.failure(r);
    }
    try {
      return parse(r.body());
    } catch (IOException e) {
      throw new TransientDeliveryException("Lead describe was not JSON: " + e.getMessage(), e);
    }
  }

  /** Parses a describe answer. */
  public static LeadDescribe parse(String json) throws IOException {
    Map<String, FieldInfo> out = new LinkedHashMap<>();
    for (JsonNode f : MAPPER.readTree(json).path("fields")) {
      String name = f.path("name").asText("");
      boolean required = f.path("createable").asBoolean(false) && !f.path("nillable").asBoolean(true)
          && !f.path("defaultedOnCreate").asBoolean(false);
      List<String> values = new ArrayList<>();
      for (JsonNode v : f.path("picklistValues")) {
        if (v.path("active").asBoolean(true)) {
          values.add(v.path("value").asText());
        }
      }
      out.put(name.toLowerCase(Locale.ROOT), new FieldInfo(name, required,
          f.path("restrictedPicklist").asBoolean(false), f.path("externalId").asBoolean(false), List.copyOf(values),
          f.path("createable").asBoolean(true)));
    }
    return new LeadDescribe(out);
  }

  /** A field by API name (case-insensitive). */
  public Optional<FieldInfo> field(String name) {
    return Optional.ofNullable(fields.get(name.toLowerCase(Locale.ROOT)));
  }

  /** Every field, in describe order. */
  public List<FieldInfo> fields() {
    return List.copyOf(fields.values());
  }
}
