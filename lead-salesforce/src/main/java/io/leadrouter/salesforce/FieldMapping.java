package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which Salesforce field (REST API name, or Web-to-Lead form name) receives each part of a lead. Parts without a
 * field are not sent; empty values are never sent.
 *
 * @param names the Salesforce field per lead part
 */
public record FieldMapping(Map<LeadField, String> names) {

  /** Copies the map and checks no name is blank. */
  public FieldMapping {
    Objects.requireNonNull(names, "names");
    EnumMap<LeadField, String> copy = new EnumMap<>(LeadField.class);
    names.forEach((k, v) -> {
      Objects.requireNonNull(k, "field");
      if (v == null || v.isBlank()) {
        throw new IllegalArgumentException("Salesforce field name for " + k.key() + " must not be blank");
      }
      copy.put(k, v.strip());
    });
    names = Collections.unmodifiableMap(copy);
  }

  /** The REST API defaults: {@code FirstName, LastName, Email, Phone, Company, Title, Country, LeadSource, Description}. */
  public static FieldMapping restDefaults() {
    return standardFields(LeadField::restName);
  }

  /** The Web-to-Lead form defaults: {@code first_name, last_name, email, phone, company, title, country, lead_source, description}. */
  public static FieldMapping webToLeadDefaults() {
    return standardFields(LeadField::formName);
  }

  /** Every part Lead has a standard field for, sent to that field under the name {@code name} gives it. */
  private static FieldMapping standardFields(Function<LeadField, Optional<String>> name) {
    EnumMap<LeadField, String> m = new EnumMap<>(LeadField.class);
    for (LeadField field : LeadField.values()) {
      name.apply(field).ifPresent(n -> m.put(field, n));
    }
    return new FieldMapping(m);
  }

  /** This mapping with {@code field} sent to {@code name}. */
  public FieldMapping with(LeadField field, String name) {
    EnumMap<LeadField, String> m = new EnumMap<>(LeadField.class);
    m.putAll(names);
    m.put(Objects.requireNonNull(field, "field"), Objects.requireNonNull(name, "name"));
    return new FieldMapping(m);
  }

  /** This mapping without {@code field} (it is no longer sent). */
  public FieldMapping without(LeadField field) {
    EnumMap<LeadField, String> m = new EnumMap<>(LeadField.class);
    m.putAll(names);
    m.remove(Objects.requireNonNull(field, "field"));
    return new FieldMapping(m);
  }

  /** The Salesforce field for a lead part, if it is sent. */
  public Optional<String> name(LeadField field) {
    return Optional.ofNullable(names.get(field));
  }

  /**
   * The values to send for a lead, in mapping order, skipping empty values. {@code leadSourceValue}, when present,
   * replaces the descriptor as the lead-source value (for orgs whose LeadSource is a restricted picklist).
   */
  public Map<String, String> values(Lead lead, Optional<String> leadSourceValue) {
    Objects.requireNonNull(lead, "lead");
    Map<String, String> out = new LinkedHashMap<>();
    names.forEach((field, name) -> {
      String v = field == LeadField.LEAD_SOURCE && leadSourceValue.isPresent()
          ? leadSourceValue.get() : field.valueOf(lead);
      if (v != null && !v.isBlank()) {
        out.put(name, v);
      }
    });
    return out;
  }
}
