package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import java.util.Optional;
import java.util.function.Function;

/**
 * A part of a {@link Lead} that a {@link FieldMapping} can send to a Salesforce field, with the standard Lead field
 * it goes to by default: its REST API name and its Web-to-Lead form name (none for the parts Lead has no field for).
 */
public enum LeadField {
  /** The customer's first name. */
  FIRST_NAME("firstName", "FirstName", "first_name", l -> l.customer().firstName()),
  /** The customer's last name. */
  LAST_NAME("lastName", "LastName", "last_name", l -> l.customer().lastName()),
  /** The customer's e-mail. */
  EMAIL("email", "Email", "email", l -> l.customer().email()),
  /** The customer's phone. */
  PHONE("phone", "Phone", "phone", l -> l.customer().phone()),
  /** The customer's company. */
  COMPANY("company", "Company", "company", l -> l.customer().company()),
  /** The customer's job title. */
  TITLE("title", "Title", "title", l -> l.customer().title()),
  /** The customer's ISO 3166 alpha-2 country. */
  COUNTRY("country", "Country", "country", l -> l.customer().country()),
  /** The lead-source descriptor exactly as received ({@code Source-Action|Offer}). */
  LEAD_SOURCE("leadSource", "LeadSource", "lead_source", l -> l.source().raw()),
  /** The lead's description (may carry campaign JSON). */
  DESCRIPTION("description", "Description", "description", Lead::description),
  /** The offer's display name. */
  OFFER_TITLE("offerTitle", null, null, Lead::offerTitle),
  /** The lead's stable {@code LeadId}, so publishers can deduplicate. */
  LEAD_ID("leadId", null, null, l -> l.id().value());

  private final String key;
  private final String restName;
  private final String formName;
  private final Function<Lead, String> value;

  LeadField(String key, String restName, String formName, Function<Lead, String> value) {
    this.key = key;
    this.restName = restName;
    this.formName = formName;
    this.value = value;
  }

  /** The name used in configuration, e.g. {@code fields.firstName}. */
  public String key() {
    return key;
  }

  /** The standard Lead field's REST API name, e.g. {@code FirstName}, if Lead has one for this part. */
  Optional<String> restName() {
    return Optional.ofNullable(restName);
  }

  /** The standard Lead field's Web-to-Lead form name, e.g. {@code first_name}, if Lead has one for this part. */
  Optional<String> formName() {
    return Optional.ofNullable(formName);
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
