package io.leadrouter.internal.intake;

import io.leadrouter.CustomerInfo;
import io.leadrouter.Lead;
import io.leadrouter.LeadFlag;
import io.leadrouter.LeadSource;
import io.leadrouter.LeadValidator;
import io.leadrouter.Problem;
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

  // the limits intake flags against; a router's own (deprecated) limits only change what explain reports
  private static final LeadValidator LIMITS = LeadValidator.standard();

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
    List<LeadFlag> flags = new ArrayList<>(2);
    Lead cleaned = clean(lead, paths, flags);
    // before the source is judged: a do-not-contact found elsewhere makes the lead one (and may name its channel)
    cleaned = DoNotContact.apply(cleaned, paths).orElse(cleaned);
    CustomerInfo c = cleaned.customer();
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
      EmailCheck.problem(c.email()).or(() -> EmailCheck.compatibilityProblem(c.email())).ifPresent(reason -> flags.add(LeadFlag.of(LeadFlag.EMAIL_INVALID, path,
          "'" + printable(Pii.maskEmail(c.email())) + "' is not an e-mail address: " + reason + "; kept as sent")));
    }
    LeadSource s = cleaned.source();
    if (!s.raw().isBlank() && !s.isRecognized()) {
      flags.add(LeadFlag.of(LeadFlag.SOURCE_UNRECOGNISED, paths.getOrDefault("LeadSource", "LeadSource"),
          String.join(", ", s.flags()) + " in '" + printable(s.raw()) + "': kept as sent"));
    }
    for (String key : cleaned.attributes().keySet()) {
      nestedCustomer(key).ifPresent(object -> flags.add(LeadFlag.of(LeadFlag.KEY_UNRECOGNISED, key, "the key '"
          + printable(key.substring(object.length() + 1)) + "' inside " + object + " is the customer object nested"
          + " in itself: its value is kept as the attribute '" + printable(key) + "', not read as the customer (the"
          + " lead has no e-mail or name from it); send the customer's fields (Email, FirstName, ...) directly inside "
          + object)));
      flattened(key).ifPresent(field -> flags.add(LeadFlag.of(LeadFlag.KEY_UNRECOGNISED, key, "the top-level key '"
          + printable(key) + "' is not the field " + field + " inside " + key.substring(0, key.indexOf('.'))
          + " (a dot in a key names no nesting): its value is kept as the attribute '" + printable(key)
          + "', not read as " + field + "; send it as '" + field + "' inside UserDetails")));
      lookalike(key).ifPresent(field -> flags.add(LeadFlag.of(LeadFlag.KEY_UNRECOGNISED, key, "the key '"
          + printable(key.substring(key.length() - sentLength(key))) + "' is not '" + field + "' (keys are matched"
          + " ignoring case only): its value is kept as the attribute '" + printable(key) + "', not read as " + field
          + "; send it as " + (field.startsWith("UserDetails.") ? "'" + field.substring(12) + "' inside UserDetails"
              : "'" + field + "'"))));
      synonym(key).ifPresent(field -> flags.add(LeadFlag.of(LeadFlag.KEY_UNRECOGNISED, key, "the key '"
          + printable(key.substring(key.length() - sentLength(key))) + "' is no field of the marketplace's lead (its"
          + " field for this is " + field + "): its value is kept as the attribute '" + printable(key) + "', not read"
          + " as UserDetails." + field + " (another name is never guessed at); if it is the customer's " + field
          + ", send it as '" + field + "' inside UserDetails")));
    }
    // kept whole: cutting would choose which part of the sender's text matters; the destination that cannot take it
    // fails the lead there, and this flag said so at intake
    for (Problem p : LIMITS.overLimits(cleaned)) {
      flags.add(LeadFlag.of(LeadFlag.OVER_LIMIT, paths.getOrDefault(p.path(), p.path()), p.message()
          + " (LeadLimits.DEFAULTS): kept whole; a destination that cannot take it fails this lead there. Fix: "
          + p.fix()));
    }
    // normalising again (route() after intake) must add nothing: a flag intake put at the sender's spelling
    // (userdetails.email, CustomerInfo.Email) is the same flag as one at the schema's path
    flags.removeIf(f -> lead.flags().stream().anyMatch(g -> g.code().equals(f.code())
        && samePath(g.path(), f.path())));
    if (flags.isEmpty() && cleaned == lead) {
      return lead;
    }
    Lead normalized = country.equals(c.country()) ? cleaned : cleaned.toBuilder().country(country).build();
    return normalized.withFlags(flags);
  }

  /**
   * The lead with control characters removed from every text ({@link #removeControls}) and white space and a
   * {@code mailto:} removed around its e-mail address, each removal added to {@code flags}; the lead itself when
   * nothing was removed.
   */
  private static Lead clean(Lead lead, Map<String, String> paths, List<LeadFlag> flags) {
    CustomerInfo c = lead.customer();
    java.util.function.Consumer<LeadFlag> flag = flags::add;
    String[] customer = {c.firstName(), c.lastName(), c.email(), c.phone(), c.country(), c.company(), c.title()};
    boolean changed = false;
    for (int i = 0; i < customer.length; i++) {
      String field = "UserDetails." + PayloadReader.CUSTOMER.get(i);
      String v = removeControls(customer[i], paths.getOrDefault(field, field), flag);
      changed |= !v.equals(customer[i]);
      customer[i] = v;
    }
    String emailPath = paths.getOrDefault("UserDetails.Email", "UserDetails.Email");
    List<LeadFlag> trimmed = new ArrayList<>(1);
    String email = compatibilityForm(customer[2], trimEmail(customer[2], emailPath, trimmed::add), emailPath,
        trimmed);
    flags.addAll(trimmed);
    changed |= !email.equals(customer[2]);
    customer[2] = email;
    String offerTitle = removeControls(lead.offerTitle(), paths.getOrDefault("OfferTitle", "OfferTitle"), flag);
    String description = removeControls(lead.description(), paths.getOrDefault("Description", "Description"), flag);
    LeadSource s = lead.source();
    LeadSource source = s;
    if (hasControl(s.raw()) || hasControl(s.channelText()) || hasControl(s.actionText()) || hasControl(s.offerId())) {
      // a lead built in code (the codec cleans LeadSource and ActionCode before reading the action from them)
      String raw = removeControls(s.raw(), paths.getOrDefault("LeadSource", "LeadSource"), flag);
      java.util.function.Consumer<LeadFlag> partFlag = raw.equals(s.raw()) ? flag : f -> { };
      source = LeadSource.of(removeControls(s.channelText(), "LeadSource", partFlag),
          removeControls(s.actionText(), paths.getOrDefault("ActionCode", "ActionCode"), partFlag),
          removeControls(s.offerId(), "LeadSource", f -> { }), raw);
    }
    Map<String, String> attributes = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, String> e : lead.attributes().entrySet()) {
      String v = removeControls(e.getValue(), e.getKey(), flag);
      changed |= !v.equals(e.getValue());
      attributes.put(e.getKey(), v);
    }
    if (!changed && source == s && offerTitle.equals(lead.offerTitle()) && description.equals(lead.description())) {
      return lead;
    }
    return new Lead(lead.id(), lead.createdTime(), new CustomerInfo(customer[0], customer[1], customer[2], customer[3],
        customer[4], customer[5], customer[6]), source, offerTitle, description, attributes, lead.flags());
  }

  /**
   * {@code value} without control characters (U+0000 to U+001F but tab, line feed and carriage return, which are white
   * space; U+007F to U+009F): they are no text, so removing them chooses nothing, and destinations refuse or drop
   * them. When any were removed, {@code flags} is given a {@link LeadFlag#CONTROL_CHARACTERS_REMOVED} at {@code path}
   * naming each (up to ten) and its position as sent, never the value.
   */
  public static String removeControls(String value, String path, java.util.function.Consumer<LeadFlag> flags) {
    if (!hasControl(value)) {
      return value;
    }
    StringBuilder kept = new StringBuilder(value.length());
    List<String> removed = new ArrayList<>();
    int position = 1;
    for (int i = 0; i < value.length(); position++) {
      int cp = value.codePointAt(i);
      if (isControl(cp)) {
        removed.add(EmailCheck.codePoint(cp) + " at position " + position);
      } else {
        kept.appendCodePoint(cp);
      }
      i += Character.charCount(cp);
    }
    if (removed.isEmpty()) {
      return value;
    }
    String listed = String.join(", ", removed.subList(0, Math.min(10, removed.size())))
        + (removed.size() > 10 ? " and " + (removed.size() - 10) + " more" : "");
    flags.accept(LeadFlag.of(LeadFlag.CONTROL_CHARACTERS_REMOVED, path, "removed control character"
        + (removed.size() == 1 ? " " : "s ") + listed + ": they are no text, and destinations refuse or drop them"));
    return kept.toString();
  }

  /** Control characters as {@link #removeControls} removes them: not tab, line feed or carriage return. */
  private static boolean isControl(int cp) {
    return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F);
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (isControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The address without white space and invisible characters around it, nor a {@code mailto:} before it, nor the
   * display name and angle brackets of {@code Name <address>} (RFC 5322's name-addr, as a mail client copies an
   * address): copied from a web page or a mail client, they are never part of an address, so removing them chooses
   * nothing. The name-addr is taken apart only when what is in the brackets is a valid address and the name holds no
   * other one ({@code jane@fabrikam.com <john@contoso.com>}: which is meant cannot be told); the value as sent, display
   * name included, stays in the flag's original. Inside an address nothing is removed (that would choose what was
   * meant), and a value left empty is kept as sent.
   */
  private static String trimEmail(String email, String path, java.util.function.Consumer<LeadFlag> flags) {
    int from = 0;
    int to = email.length();
    List<String> before = new ArrayList<>();
    boolean mailto = false;
    while (from < to) {
      int cp = email.codePointAt(from);
      if (Blanks.blank(cp)) {
        before.add(EmailCheck.codePoint(cp));
        from += Character.charCount(cp);
      } else if (!mailto && email.regionMatches(true, from, "mailto:", 0, 7)) {
        before.add("'mailto:'");
        mailto = true;
        from += 7;
      } else {
        break;
      }
    }
    List<String> after = new ArrayList<>();
    while (to > from && Blanks.blank(email.codePointBefore(to))) {
      after.add(0, EmailCheck.codePoint(email.codePointBefore(to)));
      to -= Character.charCount(email.codePointBefore(to));
    }
    // one address followed by the separator of a list (Outlook copies "John <john@contoso.com>;"): the list holds
    // that one address, so the separator is no part of it; with another address before it, it stays (a guess)
    if (to > from && (email.charAt(to - 1) == ';' || email.charAt(to - 1) == ',')
        && email.substring(from, to - 1).chars().filter(c -> c == '@').count() == 1
        && email.substring(from, to - 1).indexOf(email.charAt(to - 1)) < 0) {
      after.add(0, "'" + email.charAt(to - 1) + "'");
      to--;
      while (to > from && Blanks.blank(email.codePointBefore(to))) {
        after.add(0, EmailCheck.codePoint(email.codePointBefore(to)));
        to -= Character.charCount(email.codePointBefore(to));
      }
    }
    Optional<String> inBrackets = from == to ? Optional.empty() : nameAddr(email.substring(from, to));
    if (inBrackets.isEmpty() && ((from == 0 && to == email.length()) || from == to)) {
      return email;
    }
    StringBuilder listed = new StringBuilder();
    for (int i = 0; i < before.size(); i++) {
      // code points side by side, the prefix joined with "and"
      listed.append(i == 0 ? "" : before.get(i).startsWith("'") || before.get(i - 1).startsWith("'") ? " and " : " ")
          .append(before.get(i));
    }
    String removed = (before.isEmpty() ? "" : listed + " before the address")
        + (before.isEmpty() || after.isEmpty() ? "" : " and ")
        + (after.isEmpty() ? "" : String.join(" ", after) + (before.isEmpty() ? " after the address" : " after it"));
    if (inBrackets.isPresent()) {
      String name = email.substring(from, to).substring(0, email.substring(from, to).lastIndexOf('<')).strip();
      removed = (name.isEmpty() ? "the angle brackets around the address (<address>" : "the display name and the"
          + " angle brackets around the address (Name <address>") + ", as a mail client copies it)"
          + (removed.isEmpty() ? "" : ", and " + removed);
      flags.accept(new LeadFlag(LeadFlag.EMAIL_NORMALISED, path, "removed " + removed + "; the address itself is"
          + " unchanged, the value as sent is this flag's original", email));
      return inBrackets.get();
    }
    flags.accept(LeadFlag.of(LeadFlag.EMAIL_NORMALISED, path, "removed " + removed
        + "; the address itself is unchanged"));
    return email.substring(from, to);
  }

  /**
   * The address in Unicode's compatibility form (NFKC) when that changes it and is one valid address: the full-width
   * {@code ａ@ｂ.com} or {@code john＠contoso.com} a CJK input method types is {@code a@b.com}, which a destination and
   * an erasure by address can match; the flag keeps the value as {@code sent} (masked). One form that is no valid
   * address is kept as it is ({@link EmailCheck#compatibilityProblem} flags it). A flag already made for the same
   * address ({@code trimmed}) is extended rather than doubled.
   */
  private static String compatibilityForm(String sent, String email, String path, List<LeadFlag> trimmed) {
    String plain = EmailCheck.plainForm(email);
    if (plain.equals(email) || EmailCheck.problem(plain).isPresent()) {
      return email;
    }
    String forms = EmailCheck.compatibilityForms(email);
    String dots = EmailCheck.ideographicDots(email);
    String read = (forms.isEmpty() ? "" : "read it in Unicode's compatibility form (NFKC), in which " + forms)
        + (dots.isEmpty() ? "" : (forms.isEmpty() ? "read " : "; and read ") + dots + " as the dot between the"
            + " domain's labels, as IDNA reads an ideographic full stop (RFC 3490 section 3.1)")
        + ", and so it is one valid address";
    LeadFlag before = trimmed.isEmpty() ? null : trimmed.remove(0);
    trimmed.add(new LeadFlag(LeadFlag.EMAIL_NORMALISED, path, (before == null ? read
        : before.message().replace("; the address itself is unchanged", "").replace(", the value as sent is this"
            + " flag's original", "") + "; and " + read) + "; the value as sent is this flag's original", sent));
    return plain;
  }

  /**
   * The address of {@code Name <address>} or {@code <address>} (a {@code mailto:} and white space inside the brackets
   * left out) when it is a valid address and the name holds no other address and no angle bracket outside quotes;
   * empty otherwise.
   */
  private static Optional<String> nameAddr(String value) {
    int open = value.lastIndexOf('<');
    if (open < 0 || !value.endsWith(">")) {
      return Optional.empty();
    }
    String inner = Blanks.strip(value.substring(open + 1, value.length() - 1));
    if (inner.regionMatches(true, 0, "mailto:", 0, 7)) {
      inner = Blanks.strip(inner.substring(7));
    }
    if (inner.isEmpty() || inner.indexOf('>') >= 0 || EmailCheck.problem(inner).isPresent()) {
      return Optional.empty();
    }
    String name = Blanks.strip(value.substring(0, open));
    boolean quoted = name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"");
    String bare = quoted ? name.substring(1, name.length() - 1) : name;
    if (!quoted && (name.indexOf('<') >= 0 || name.indexOf('>') >= 0 || name.indexOf('"') >= 0)) {
      return Optional.empty();
    }
    if (bare.indexOf('@') >= 0) {
      // "john@contoso.com <mailto:john@contoso.com>" (Outlook's copy) names one address; another would be a guess
      String named = Blanks.strip(bare);
      if (named.regionMatches(true, 0, "mailto:", 0, 7)) {
        named = Blanks.strip(named.substring(7));
      }
      if (!named.equalsIgnoreCase(inner)) {
        return Optional.empty();
      }
    }
    return Optional.of(inner);
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
      return Optional.ofNullable(CUSTOMER_FIELDS.get(fold(sent))).filter(f -> !sameKey(f, sent));
    }
    String top = TOP_FIELDS.get(fold(key));
    if (top != null) {
      return sameKey(top, key) ? Optional.empty() : Optional.of(top);
    }
    // a customer's field outside the customer object ({"Email":..} beside UserDetails)
    return Optional.ofNullable(CUSTOMER_FIELDS.get(fold(key))).map(f -> "UserDetails." + f);
  }

  /**
   * Other names senders give the customer's fields (form tools, CRM exports: {@code EmailAddress},
   * {@code PhoneNumber}, {@code JobTitle}, {@code CompanyName}, {@code Surname}), folded as {@link #fold} folds a key
   * and without spaces. Such a key is kept as an attribute, never read as the field (it may mean something else: a
   * {@code Mobile} beside a {@code Phone}), but flagged, so the lead does not go on without an e-mail or name in
   * silence.
   */
  private static final Map<String, String> SYNONYMS = synonyms(Map.of(
      "Email", List.of("EmailAddress", "E-mail Address", "Mail", "MailAddress", "Email1", "EmailAddress1",
          "WorkEmail", "BusinessEmail"),
      "Phone", List.of("PhoneNumber", "Telephone", "TelephoneNumber", "Tel", "Mobile", "MobilePhone",
          "MobileNumber", "CellPhone", "Phone1", "Telephone1", "BusinessPhone", "WorkPhone"),
      "FirstName", List.of("GivenName", "Forename", "First", "FName"),
      "LastName", List.of("Surname", "FamilyName", "Last", "LName"),
      "Company", List.of("CompanyName", "Organization", "Organisation", "OrganizationName", "OrganisationName",
          "BusinessName", "Employer"),
      "Title", List.of("JobTitle", "Job Title", "Position", "JobRole"),
      "Country", List.of("CountryCode", "CountryName", "CountryRegion", "CountryOrRegion", "Country/Region")));

  private static Map<String, String> synonyms(Map<String, List<String>> byField) {
    Map<String, String> m = new HashMap<>();
    byField.forEach((field, names) -> names.forEach(n -> m.put(synonymKey(n), field)));
    return Map.copyOf(m);
  }

  private static String synonymKey(String key) {
    return fold(key).replace(" ", "").replace("/", "");
  }

  /**
   * The customer field ({@code Email}) that {@code key}, inside the customer object, is another name for
   * ({@link #SYNONYMS}); empty for any other key. Keys outside the customer object are the lead's own attributes (a
   * table row's {@code Attributes} column holds {@code JobTitle} or {@code Mobile} as attributes of their own), so
   * they are not judged.
   */
  private static Optional<String> synonym(String key) {
    int dot = key.indexOf('.');
    if (dot <= 0 || !CUSTOMER_OBJECTS.contains(key.substring(0, dot).toLowerCase(Locale.ROOT))) {
      return Optional.empty();
    }
    return Optional.ofNullable(SYNONYMS.get(synonymKey(key.substring(dot + 1))));
  }

  /**
   * The customer field a flattened key names ({@code "UserDetails.Email"} at the top level, as form tools flatten
   * JSON), if any: inside the customer object {@code Email} is read as the field, so an attribute of that exact name
   * can only come from a top-level key with a dot.
   */
  private static Optional<String> flattened(String key) {
    int dot = key.indexOf('.');
    if (dot <= 0 || !CUSTOMER_OBJECTS.contains(key.substring(0, dot).toLowerCase(Locale.ROOT))) {
      return Optional.empty();
    }
    String sent = key.substring(dot + 1);
    return Optional.ofNullable(CUSTOMER_FIELDS.get(fold(sent))).filter(f -> sameKey(f, sent));
  }

  /**
   * The customer object's name as sent when {@code key} is a customer object inside it ({@code UserDetails.UserDetails},
   * {@code CustomerInfo.userdetails}: the whole lead's shape put into the customer object, or a table row's
   * {@code CustomerInfo} text holding {@code {"UserDetails":{...}}}); empty otherwise. Its value was kept as an attribute
   * without a word, and the lead went on with no e-mail or name.
   */
  private static Optional<String> nestedCustomer(String key) {
    int dot = key.indexOf('.');
    return dot > 0 && CUSTOMER_OBJECTS.contains(key.substring(0, dot).toLowerCase(Locale.ROOT))
        && CUSTOMER_OBJECTS.contains(fold(key.substring(dot + 1))) ? Optional.of(key.substring(0, dot))
        : Optional.empty();
  }

  /** The length of the key as the sender wrote it: after the customer object's name for a customer key. */
  private static int sentLength(String key) {
    int dot = key.indexOf('.');
    return dot > 0 && CUSTOMER_OBJECTS.contains(key.substring(0, dot).toLowerCase(Locale.ROOT))
        ? key.length() - dot - 1 : key.length();
  }

  /**
   * Whether the reader took {@code key} as {@code field}: it matches keys by their lower case, so {@code EMAİL} (a
   * dotted capital I, lower case {@code i̇}) is not {@code Email}, though {@code String.equalsIgnoreCase} says it is.
   */
  private static boolean sameKey(String field, String key) {
    return field.toLowerCase(Locale.ROOT).equals(key.toLowerCase(Locale.ROOT));
  }

  /**
   * The key in compatibility form without accents, white space, invisible characters, {@code -} and {@code _}, in
   * lower case: {@code EMAİL}, {@code Émail} and the full-width {@code Ｅｍａｉｌ} all look like {@code Email}.
   */
  private static String fold(String key) {
    StringBuilder b = new StringBuilder(key.length());
    java.text.Normalizer.normalize(key, java.text.Normalizer.Form.NFKD).codePoints()
        .filter(cp -> cp != '-' && cp != '_' && !EmailCheck.invisible(cp) && !isMark(cp)).forEach(b::appendCodePoint);
    return b.toString().toLowerCase(Locale.ROOT);
  }

  private static boolean isMark(int cp) {
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
        || type == Character.COMBINING_SPACING_MARK;
  }

  private static Map<String, String> folded(List<String> fields) {
    Map<String, String> m = new HashMap<>();
    fields.forEach(f -> m.put(fold(f), f));
    return Map.copyOf(m);
  }

  /** The text with invisible characters shown as {@code U+XXXX} and cut to 40 characters, for messages. */
  public static String printable(String s) {
    return printable(s, 40);
  }

  /**
   * The text with invisible characters (controls such as ESC, format characters such as bidi overrides) shown as
   * {@code <U+XXXX>}, cut to {@code max} code points: printed raw, a sender's ESC sequences would drive the terminal of
   * whoever reads the output.
   */
  public static String printable(String s, int max) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    for (int n = 0; i < s.length() && n < max; n++) {
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
