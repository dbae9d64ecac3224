package io.leadrouter.internal.intake;

import io.leadrouter.CustomerInfo;
import io.leadrouter.Lead;
import io.leadrouter.LeadFlag;
import io.leadrouter.LeadSource;
import io.leadrouter.Pii;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Normalises what the marketplace really sends instead of refusing it: the country to ISO alpha-2 when the spelling
 * names one country (the original kept in a flag), else kept verbatim and flagged; an e-mail that is no address kept
 * and flagged with the exact reason; an unknown lead source flagged; a key that names a field only once white space,
 * invisible characters, {@code -} and {@code _} are left out ({@code " Email"}, {@code "E-mail"}) flagged, its value
 * kept as the attribute it was read as, never moved into the field. Idempotent: normalising twice adds nothing.
 */
public final class LeadNormalizer {
  private static final Set<String> CUSTOMER_OBJECTS = Set.of("userdetails", "customerinfo");
  private static final Map<String, String> TOP_FIELDS = folded(List.of("UserDetails", "CustomerInfo", "LeadSource",
      "ActionCode", "OfferTitle", "OfferDisplayName", "Description", "LeadId", "CreatedTime"));
  private static final Map<String, String> CUSTOMER_FIELDS = folded(PayloadReader.CUSTOMER);

  private LeadNormalizer() {}

  /** The lead normalised, with paths named as the marketplace's schema names them. */
  public static Lead normalize(Lead lead) {
    return normalize(lead, Map.of());
  }

  /**
   * The lead normalised; {@code paths} gives the sender's own spelling of a field's path ({@code UserDetails.Country}
   * → {@code userdetails.country}) where it differs from the schema's.
   */
  public static Lead normalize(Lead lead, Map<String, String> paths) {
    CustomerInfo c = lead.customer();
    List<LeadFlag> flags = new ArrayList<>(2);
    String country = c.country();
    if (!country.isEmpty()) {
      String path = paths.getOrDefault("UserDetails.Country", "UserDetails.Country");
      Optional<String> alpha2 = Countries.alpha2(country);
      if (alpha2.isPresent() && !alpha2.get().equals(country)) {
        flags.add(new LeadFlag(LeadFlag.COUNTRY_NORMALISED, path, "'" + printable(country) + "' read as "
            + alpha2.get(), country));
        country = alpha2.get();
      } else if (alpha2.isEmpty()) {
        flags.add(LeadFlag.of(LeadFlag.COUNTRY_UNRECOGNISED, path, "'" + printable(country)
            + "' is no ISO 3166 country code or English country name: kept as sent"));
      }
    }
    if (c.hasEmail()) {
      String path = paths.getOrDefault("UserDetails.Email", "UserDetails.Email");
      EmailCheck.problem(c.email()).ifPresent(reason -> flags.add(LeadFlag.of(LeadFlag.EMAIL_INVALID, path,
          "'" + printable(Pii.maskEmail(c.email())) + "' is not an e-mail address: " + reason + "; kept as sent")));
    }
    LeadSource s = lead.source();
    if (!s.raw().isBlank() && !s.isRecognized()) {
      flags.add(LeadFlag.of(LeadFlag.SOURCE_UNRECOGNISED, paths.getOrDefault("LeadSource", "LeadSource"),
          String.join(", ", s.flags()) + " in '" + printable(s.raw()) + "': kept as sent"));
    }
    for (String key : lead.attributes().keySet()) {
      lookalike(key).ifPresent(field -> flags.add(LeadFlag.of(LeadFlag.KEY_UNRECOGNISED, key, "the key '"
          + printable(key.substring(key.length() - sentLength(key))) + "' is not '" + field + "' (keys are matched"
          + " ignoring case only): its value is kept as the attribute '" + printable(key) + "', not read as " + field
          + "; send it as " + (field.startsWith("UserDetails.") ? "'" + field.substring(12) + "' inside UserDetails"
              : "'" + field + "'"))));
    }
    // normalising again (route() after intake) must add nothing: a flag intake put at the sender's spelling
    // (userdetails.email, CustomerInfo.Email) is the same flag as one at the schema's path
    flags.removeIf(f -> lead.flags().stream().anyMatch(g -> g.code().equals(f.code())
        && samePath(g.path(), f.path())));
    if (flags.isEmpty()) {
      return lead;
    }
    Lead normalized = country.equals(c.country()) ? lead : lead.toBuilder().country(country).build();
    return normalized.withFlags(flags);
  }

  /** Whether two paths name one field: the same ignoring case, the customer object under either of its names. */
  private static boolean samePath(String a, String b) {
    return canonicalPath(a).equals(canonicalPath(b));
  }

  private static String canonicalPath(String path) {
    String p = path.toLowerCase(Locale.ROOT);
    return p.startsWith("customerinfo.") ? "userdetails." + p.substring(13)
        : p.equals("offerdisplayname") ? "offertitle" : p;
  }

  /**
   * The field an attribute's key looks like but is not ({@code UserDetails. Email} → {@code Email}), if any: a key
   * matching a field ignoring case was read as that field, so what is left differs in more than case.
   */
  private static Optional<String> lookalike(String key) {
    int dot = key.indexOf('.');
    if (dot > 0 && CUSTOMER_OBJECTS.contains(key.substring(0, dot).toLowerCase(Locale.ROOT))) {
      String sent = key.substring(dot + 1);
      return Optional.ofNullable(CUSTOMER_FIELDS.get(fold(sent))).filter(f -> !f.equalsIgnoreCase(sent));
    }
    String top = TOP_FIELDS.get(fold(key));
    if (top != null) {
      return top.equalsIgnoreCase(key) ? Optional.empty() : Optional.of(top);
    }
    // a customer's field outside the customer object ({"Email":..} beside UserDetails)
    return Optional.ofNullable(CUSTOMER_FIELDS.get(fold(key))).map(f -> "UserDetails." + f);
  }

  /** The length of the key as the sender wrote it: after the customer object's name for a customer key. */
  private static int sentLength(String key) {
    int dot = key.indexOf('.');
    return dot > 0 && CUSTOMER_OBJECTS.contains(key.substring(0, dot).toLowerCase(Locale.ROOT))
        ? key.length() - dot - 1 : key.length();
  }

  /** The key without white space, invisible characters, {@code -} and {@code _}, in lower case. */
  private static String fold(String key) {
    StringBuilder b = new StringBuilder(key.length());
    key.codePoints().filter(cp -> cp != '-' && cp != '_' && !EmailCheck.invisible(cp)).forEach(b::appendCodePoint);
    return b.toString().toLowerCase(Locale.ROOT);
  }

  private static Map<String, String> folded(List<String> fields) {
    Map<String, String> m = new HashMap<>();
    fields.forEach(f -> m.put(fold(f), f));
    return Map.copyOf(m);
  }

  /** The text with invisible characters shown as {@code U+XXXX} and cut to 40 characters, for messages. */
  public static String printable(String s) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    for (int n = 0; i < s.length() && n < 40; n++) {
      int cp = s.codePointAt(i);
      if (EmailCheck.invisible(cp) && cp != ' ') {
        b.append('<').append(EmailCheck.codePoint(cp)).append('>');
      } else {
        b.appendCodePoint(cp);
      }
      i += Character.charCount(cp);
    }
    return i < s.length() ? b + "..." : b.toString();
  }
}
