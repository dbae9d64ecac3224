package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import java.util.Optional;
import java.util.function.Function;

/** A part of a {@link Lead} that a {@link FieldMapping} can send to a Salesforce field. */
public enum LeadField {
  /** The customer's first name. */
  FIRST_NAME("firstName", l -> l.customer().firstName()),
  /** The customer's last name. */
  LAST_NAME("lastName", l -> l.customer().lastName()),
  /** The customer's e-mail. */
  EMAIL("email", l -> l.customer().email()),
  /** The customer's phone. */
  PHONE("phone", l -> l.customer().phone()),
  /** The customer's company. */
  COMPANY("company", l -> l.customer().company()),
  /** The customer's job title. */
  TITLE("title", l -> l.customer().title()),
  /** The customer's ISO 3166 alpha-2 country. */
  COUNTRY("country", l -> l.customer().country()),
  /** The lead-source descriptor exactly as received ({@code Source-Action|Offer}). */
  LEAD_SOURCE("leadSource", l -> l.source().raw()),
  /** The lead's description (may carry campaign JSON). */
  DESCRIPTION("description", Lead::description),
  /** The offer's display name. */
  OFFER_TITLE("offerTitle", Lead::offerTitle),
  /** The lead's stable {@code LeadId}, so publishers can deduplicate. */
  LEAD_ID("leadId", l -> l.id().value());

  private final String key;
  private final Function<Lead, String> value;

  LeadField(String key, Function<Lead, String> value) {
    this.key = key;
    this.value = value;
  }

  /** The name used in configuration, e.g. {@code fields.firstName}. */
  public String key() {
    return key;
  }

  /** This part's value in a lead (empty string when absent). */
  public String valueOf(Lead lead) {
    return value.apply(lead);
  }

  /** The field for a configuration key, matched case-insensitively. */
  public static Optional<LeadField> fromKey(String key) {
    for (LeadField f : values()) {
      if (f.key.equalsIgnoreCase(key)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
