package io.leadrouter.dynamics.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.Lead;
import io.leadrouter.LeadAction;
import io.leadrouter.LeadId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Maps a {@link Lead} to the JSON body of a Dataverse {@code lead} row. The customer's values go as received (never
 * cut: a shortened e-mail or phone reaches someone else); a value over its column's length is Dataverse's to refuse,
 * which fails this destination only, with a diagnosis. The texts this sink composes, {@code subject} and
 * {@code description}, are cut to the standard columns' maximum lengths.
 */
public final class LeadMapper {
  /** Maximum lengths of the standard Lead columns (Dataverse rejects longer values with 400). */
  private static final Map<String, Integer> MAX_LENGTH = Map.of(
      "firstname", 50, "lastname", 50, "emailaddress1", 100, "telephone1", 50, "companyname", 100,
      "jobtitle", 100, "address1_country", 80, "subject", 300, "description", 2000);
  /** The lead fields whose text this sink composes, and so may cut. */
  private static final Set<String> COMPOSED = Set.of("subject", "description");

  /**
   * The Lead table's opt-out columns a do-not-contact lead sets to {@code true}: "Do not allow Emails", "Do not allow
   * Phone Calls" and "Do not allow Bulk Emails".
   */
  public static final List<String> OPT_OUT_COLUMNS = List.of("donotemail", "donotphone", "donotbulkemail");

  private final Map<String, String> mapping;
  private final int leadSourceCode;

  /**
   * A mapper.
   *
   * @param mapping lead field to column; empty column = not sent
   * @param leadSourceCode the {@code leadsourcecode} option value
   */
  public LeadMapper(Map<String, String> mapping, int leadSourceCode) {
    this.mapping = Map.copyOf(Objects.requireNonNull(mapping, "mapping"));
    this.leadSourceCode = leadSourceCode;
  }

  /**
   * The primary key this sink gives a lead created without an alternate key: a name-based UUID of the lead id, so
   * every delivery attempt of one lead targets the same row.
   */
  public static UUID recordId(LeadId id) {
    return UUID.nameUUIDFromBytes(("leadrouter:lead:" + id.value()).getBytes(StandardCharsets.UTF_8));
  }

  /** {@code <offer> - <action>}, e.g. {@code Contoso CRM Connector - INS}. */
  public static String subject(Lead lead) {
    String offer = !lead.offerTitle().isBlank() ? lead.offerTitle().strip() : lead.source().offerId();
    String action = lead.source().action() == LeadAction.TEST ? "Test lead" : lead.source().actionText();
    if (offer.isEmpty()) {
      offer = "Marketplace lead";
    }
    return action.isEmpty() ? offer : offer + " - " + action;
  }

  /** The lead source, the campaign text and the lead id, one per line. */
  public static String description(Lead lead) {
    StringBuilder b = new StringBuilder("Lead source: ").append(lead.source().raw().strip());
    if (!lead.description().isBlank()) {
      b.append("\nCampaign: ").append(lead.description().strip());
    }
    return b.append("\nLeadRouter lead id: ").append(lead.id().value()).toString();
  }

  /** The row's JSON body. */
  public ObjectNode toRow(Lead lead) {
    ObjectNode row = JsonNodeFactory.instance.objectNode();
    text(row, "firstName", lead.customer().firstName());
    text(row, "lastName", lead.customer().lastName());
    text(row, "email", lead.customer().email());
    text(row, "phone", lead.customer().phone());
    text(row, "company", lead.customer().company());
    text(row, "title", lead.customer().title());
    text(row, "country", lead.customer().country());
    text(row, "subject", subject(lead));
    text(row, "description", description(lead));
    if (lead.isDoNotContact()) {
      OPT_OUT_COLUMNS.forEach(column -> row.put(column, true));
    }
    String sourceColumn = mapping.getOrDefault("leadSourceCode", "");
    if (!sourceColumn.isEmpty() && leadSourceCode > 0) {
      row.put(sourceColumn, leadSourceCode);
    }
    return row;
  }

  private void text(ObjectNode row, String field, String value) {
    String column = mapping.getOrDefault(field, "");
    if (column.isEmpty() || value == null || value.isBlank()) {
      return;
    }
    String v = value.strip();
    Integer max = COMPOSED.contains(field) ? MAX_LENGTH.get(column) : null;
    if (max != null && v.length() > max) {
      v = v.substring(0, Character.isHighSurrogate(v.charAt(max - 1)) ? max - 1 : max);
    }
    row.put(column, v);
  }
}
