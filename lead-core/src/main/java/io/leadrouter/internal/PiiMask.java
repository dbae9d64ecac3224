package io.leadrouter.internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.leadrouter.CustomerInfo;
import io.leadrouter.Lead;
import io.leadrouter.Pii;
import io.leadrouter.spi.Scrubber;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks one customer's personal data (e-mail, phone, first and last name) in text a sink built from the lead: as
 * written, JSON-escaped and form/URL-encoded, whole values only; then any other e-mail address or phone number
 * ({@link Scrubber#maskPersonalData}). Internal.
 */
public final class PiiMask implements UnaryOperator<String> {
  private static final Pattern EMAIL = Pattern.compile("[^\\s\"'<>@,;:&=?/]+@[^\\s\"'<>@,;:&=?/]+\\.[A-Za-z]{2,}");
  private final Map<Pattern, String> replacements = new LinkedHashMap<>();

  /** A mask for this lead's customer. */
  public PiiMask(Lead lead) {
    CustomerInfo c = lead.customer();
    add(c.email(), Pii.maskEmail(c.email()));
    add(c.phone(), Pii.maskPhone(c.phone()));
    add(c.firstName(), maskName(c.firstName()));
    add(c.lastName(), maskName(c.lastName()));
  }

  private void add(String value, String masked) {
    if (value.isBlank()) {
      return;
    }
    String json = new String(JsonStringEncoder.getInstance().quoteAsString(value));
    String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
    for (String v : new String[] {value, json, form, form.replace("+", "%20")}) {
      // whole values only: a first name "Al" must not mask "Alpha"
      Pattern p = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(v) + "(?![\\p{L}\\p{N}])");
      replacements.putIfAbsent(p, masked);
    }
  }

  private static String maskName(String name) {
    return name.codePointCount(0, name.length()) <= 1 ? "***"
        : new String(Character.toChars(name.codePointAt(0))) + "***";
  }

  /** The lead id noted at the end of a quarantined payload's origin, and a kept table row's {@code RowKey}. */
  private static final Pattern ORIGIN_IDS = Pattern.compile(
      "(?<= \\(lead id )[^ ()]{1,128}(?=\\)$)|(?<=, RowKey ').*(?=', Timestamp )");

  /**
   * A quarantined payload's origin as logs and operators are shown it: the lead id it may note and a table row's
   * {@code RowKey} masked as {@link Pii#maskLeadId} masks an id ({@code (lead id tel-***78)}), then any e-mail or
   * phone. The origin is stored as it is: a replay reads the id noted in it.
   */
  public static String origin(String origin) {
    String ids = ORIGIN_IDS.matcher(origin).replaceAll(m -> Matcher.quoteReplacement(Pii.maskLeadId(m.group())));
    return Scrubber.standard().maskPersonalData(ids);
  }

  @Override
  public String apply(String text) {
    String out = text;
    for (Map.Entry<Pattern, String> r : replacements.entrySet()) {
      out = r.getKey().matcher(out).replaceAll(Matcher.quoteReplacement(r.getValue()));
    }
    out = EMAIL.matcher(out).replaceAll(m -> Matcher.quoteReplacement(Pii.maskEmail(m.group())));
    // then any other e-mail or phone (one in the Description, another person's), found by form
    return Scrubber.standard().maskPersonalData(out);
  }
}
