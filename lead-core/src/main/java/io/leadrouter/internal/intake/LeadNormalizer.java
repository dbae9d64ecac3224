package io.leadrouter.internal.intake;

import io.leadrouter.CustomerInfo;
import io.leadrouter.Lead;
import io.leadrouter.LeadFlag;
import io.leadrouter.LeadSource;
import io.leadrouter.Pii;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Normalises what the marketplace really sends instead of refusing it: the country to ISO alpha-2 when the spelling
 * names one country (the original kept in a flag), else kept verbatim and flagged; an e-mail that is no address kept
 * and flagged with the exact reason; an unknown lead source flagged. Idempotent: normalising twice adds nothing.
 */
public final class LeadNormalizer {
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
    if (flags.isEmpty()) {
      return lead;
    }
    Lead normalized = country.equals(c.country()) ? lead : lead.toBuilder().country(country).build();
    return normalized.withFlags(flags);
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
