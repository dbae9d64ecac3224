package io.leadrouter.spi;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.leadrouter.Pii;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes credentials and raw customer data from text a destination sent back (error bodies often echo the whole
 * request) before it reaches a {@link Diagnosis}, a log line, CLI output or the journal. It removes:
 * <ul>
 *   <li>the value of every live {@link Secret} (and of any extra value given), raw and in its common encodings, in
 *   any letter case: URL-encoded (once or twice), JSON-escaped (as Jackson and as .NET write it), HTML-escaped,
 *   Base64 (standard and URL-safe, also inside a longer Base64 text such as HTTP Basic credentials), and the value or
 *   its Base64 wrapped over lines (a line break, raw or as {@code \n}, or a space, between any two characters);</li>
 *   <li>credentials by their name: {@code Authorization}/{@code Bearer}/{@code Basic} values, and the value of any
 *   header, JSON member, XML element or URL/form/fragment parameter whose name says secret, token, password, key,
 *   signature, cookie, credential or assertion (e.g. {@code client_secret=}, {@code "access_token": "..."},
 *   {@code sig=} in a SAS URL, {@code AccountKey=} in a connection string, {@code X-Api-Key: ...},
 *   {@code <password>...</password>}), a long {@code ?code=} (Azure Functions key, OAuth code), a URL's whole user
 *   info ({@code https://user:password@host}, {@code https://token@host}) and a JSON Web Token by its shape;</li>
 *   <li>e-mail addresses in any script (also with the {@code @} as {@code %40}, {@code %2540}, {@code &#64;} or
 *   {@code \u0040}, on {@code localhost}, with an invisible character such as a zero-width space inside) and phone
 *   numbers, masked as {@link Pii} masks them.</li>
 * </ul>
 * Phones are found by form: a run of 7 to 15 digits written with phone punctuation ({@code +}, spaces, dots,
 * dashes, brackets, one slash after the area code), or 10 to 15 bare digits; dates, IPv4 addresses, Unix times (10 or 13 bare digits starting with 1)
 * and digits inside identifiers are left alone.
 * {@link Diagnosis} and {@link DeliveryException} apply {@link #standard()} to their messages themselves, so a sink
 * cannot forget; sinks and applications may call it on anything else they print. Thread-safe.
 */
public final class Scrubber {
  /** What replaces a credential. */
  public static final String REDACTED = "[redacted]";
  /** Shorter secret values are not searched for as text (they would match ordinary words); names still are. */
  static final int MIN_SECRET_LENGTH = 6;

  private static final String NAME = "(?:[\\w-]*(?:secret|token|passw(?:or)?d|pwd|api[-_]?key|apikey|access[-_]?key"
      + "|private[-_]?key|signature|authorization|cookie|credential|assertion)[\\w-]*"
      + "|[\\w-]*(?:account|subscription|functions?|master|host|shared)[-_]?key|key|sig|auth)";
  /** {@code "name": "value"}, {@code "name": ["value"]}, and the same inside a JSON string ({@code \"name\":\"v\"}). */
  private static final Pattern JSON_MEMBER = Pattern.compile(
      "(\\\\?\"" + NAME + "\\\\?\"\\s*:\\s*\\[?\\s*\\\\?\")([^\"\\\\]+)", Pattern.CASE_INSENSITIVE);
  /**
   * {@code 'name': 'value'}: a member in single quotes, as Python prints a dict (a receiver's error body showing the
   * request's data or headers so).
   */
  private static final Pattern QUOTED_MEMBER = Pattern.compile(
      "('" + NAME + "'\\s*:\\s*\\[?\\s*')([^'\\\\]+)", Pattern.CASE_INSENSITIVE);
  private static final Pattern PARAMETER = Pattern.compile(
      "((?:^|[?&;#\\s\"'(,{\\[])" + NAME + "=)(\\[(?:\\[redacted]|[^\\]])*\\]|[^&\\s\"'<>,;)}]*)",
      Pattern.CASE_INSENSITIVE);
  /**
   * {@code ?code=} in a URL: an Azure Functions key or an OAuth authorization code. Only in a query or fragment and
   * only a long value, since {@code code} is also what error codes are called.
   */
  private static final Pattern QUERY_CODE = Pattern.compile("([?&#]code=)([^&\\s\"'<>#]{16,})",
      Pattern.CASE_INSENSITIVE);
  /** {@code <client_secret>value</client_secret>}: an XML element named like a credential. */
  private static final Pattern XML_ELEMENT = Pattern.compile("(<(" + NAME + ")(?:\\s[^<>]*)?>)([^<]+)(</\\2\\s*>)",
      Pattern.CASE_INSENSITIVE);
  /**
   * A URL's user info, whole: {@code https://user:password@host}, and {@code https://token@host} (hook and Git URLs
   * carry a token as the user name).
   */
  private static final Pattern USER_INFO = Pattern.compile(
      "(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*://)([^\\s/?#@\"'<>]+)(@)");
  /** A JSON Web Token (an OAuth access or ID token): two Base64url JSON objects and a signature, by its shape. */
  private static final Pattern JWT = Pattern.compile(
      "eyJ[A-Za-z0-9_-]{6,}={0,2}\\.eyJ[A-Za-z0-9_-]{2,}={0,2}\\.[A-Za-z0-9_-]*={0,2}");
  /** {@code Name: value} (a header line); group 1 is what precedes the name (start of line or punctuation). */
  private static final Pattern HEADER = Pattern.compile(
      "(^|[ \\t{,;(\\[])(" + NAME + ")(\\s*:\\s*)(?![\\s\\\\]*\")(\\[(?:\\[redacted]|[^\\]\\r\\n])*\\]|[^\\r\\n;}\"]+)",
      Pattern.CASE_INSENSITIVE | Pattern.MULTILINE);
  /** {@code 'Name: value'}: a header quoted whole in single quotes, as a message quotes what it refuses. */
  private static final Pattern QUOTED_HEADER = Pattern.compile("(')(" + NAME + ")(\\s*:\\s*)([^'\\r\\n]+)(?=')",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern SCHEME = Pattern.compile(
      "(?<![A-Za-z])(Bearer|Basic|Digest|SharedKey|SharedKeyLite|SharedAccessSignature|OAuth)(\\s+|\\+|%20)(?![A-Za-z_]+=)"
          + "([A-Za-z0-9._~+/=:%-]{6,})",
      Pattern.CASE_INSENSITIVE);
  /** A dot between a host name's labels, also full-width (U+FF0E) or ideographic (U+3002, U+FF61), as IDNA reads. */
  private static final String DOT = "[.\\uFF0E\\u3002\\uFF61]";
  /**
   * The one host name without a dot an address is found on: {@code localhost} (a test or local mailbox,
   * {@code root@localhost}). Other dotless names are left alone: a message's own {@code name@host}, an object's
   * identity hash ({@code LeadRouter@1b6d3586}), a version ({@code azurite@3}), an image digest ({@code name@sha256:..})
   * are ordinary text, and no customer's address from a marketplace lives on one.
   */
  private static final String DOTLESS_HOST = "localhost(?![\\p{L}\\p{M}\\p{N}\\p{Cf}-]|" + DOT + "[\\p{L}\\p{N}])";
  /**
   * An e-mail address, any script, with its {@code @} as written, URL-encoded (once or twice), as an HTML entity or
   * as a JSON {@code \\u0040} escape: group 1 is the part before it, group 2 the {@code @} as written. A match starts
   * only where a local part can begin, not inside a run of its characters (whose start already covers it): tried at
   * every position, a long run without an {@code @} (a peer's 200 KB answer) took time with the square of its length.
   */
  private static final Pattern EMAIL = Pattern.compile(
      // invisible characters (\p{Cf}: a zero-width space or joiner, a soft hyphen, a bidirectional mark, pasted from a
      // page or a chat) and combining marks (\p{M}: the U+0308 of a decomposed "ö" as macOS and some forms send it,
      // a variation selector) are read as part of the address: a match started after one, showing what came before
      // it ("jö" of jo\u0308rg@...), and a domain holding one was no domain, so the address was shown whole
      "(?<![\\p{L}\\p{M}\\p{N}\\p{Cf}._%+-])([\\p{L}\\p{M}\\p{N}\\p{Cf}._%+-][\\p{L}\\p{M}\\p{N}\\p{Cf}._%+'-]*"
          // a quoted local part ("john doe"@contoso.com), also inside a JSON string (\"john doe\"@...)
          // the @ also full-width (U+FF20), as a Japanese or Chinese input method types it, or small (U+FE6B): both
          // are an @ in Unicode's compatibility form, as an erasure compares addresses
          + "|\\\\?\"[^\"\\r\\n]{0,64}?\\\\?\")(@|\uFF20|\uFE6B|%40|%2540|&#64;|&#x40;|\\\\u0040)"
          // a host name (its dots also full-width or ideographic, which IDNA reads as dots), or an address literal
          // (jane@[192.0.2.1], jane@[IPv6:2001:db8::1])
          + "(?:[\\p{L}\\p{M}\\p{N}\\p{Cf}-]+(?:" + DOT + "[\\p{L}\\p{M}\\p{N}\\p{Cf}-]+)*" + DOT + "\\p{L}{2,}"
          + "|\\[[^\\]\\s\"\\\\]{1,64}\\]|" + DOTLESS_HOST + ")",
      Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CHARACTER_CLASS);
  /**
   * Separators inside a phone number as typed or pasted: also no-break spaces, Unicode dashes and the minus sign, the
   * full-width forms a Japanese or Chinese input method types (brackets, plus, dot, the ideographic space), invisible
   * characters ({@code \p{Cf}}: zero-width spaces and joiners, a soft hyphen, and the bidirectional marks an Arabic or
   * Hebrew page puts around a number's groups, U+200E, U+061C) and combining marks ({@code \p{M}}: a variation selector
   * or keycap after a digit). With one of these between the groups, a number was shown whole.
   */
  private static final String PHONE_SEPARATORS = " ().\\-+\\u00A0\\u2007\\u202F\\u2010-\\u2015\\u2212\\uFF0D"
      + "\\u3000\\uFF08\\uFF09\\uFF0B\\uFF0E\\p{Cf}\\p{M}";
  // digits of any script (\\p{Nd}): a phone typed in full-width (０３－１２３４－５６７８) or Arabic-Indic digits is one
  // after a tel: URI's scheme too (tel:4255550100, tel%3A...); followed by an extension written against it
  // (425-555-0100x12, 4255550100ext.12), which kept the whole number from being seen as one
  private static final Pattern PHONE = Pattern.compile(
      "(?:(?<=[tT][eE][lL]:)|(?<=[tT][eE][lL]%3[aA])|(?<![\\w%.\\-/:]))(?:[+\\uFF0B]|%2[bB])?[(\\uFF08]?\\p{Nd}"
          + "(?:(?:[" + PHONE_SEPARATORS + "]|%20|%2[bB]){0,3}\\p{Nd}){6,14}"
          + "(?:(?=(?i:x|ext|extn|extension)\\.?\\p{Nd})|(?![\\w\\-]|\\.\\d))");
  /**
   * A number with one slash after its area code, as written in many countries ({@code 425/555-0100},
   * {@code 030/1234567}); one slash only, so that a date ({@code 2026/12/04}) or a path is none.
   */
  private static final Pattern SLASHED_PHONE = Pattern.compile(
      "(?<![\\w%.\\-/:])(?:\\+|%2[bB])?\\(?\\p{Nd}{2,5}\\)?/[ \\u00A0]?\\p{Nd}"
          + "(?:[" + PHONE_SEPARATORS + "]{0,3}\\p{Nd}){4,12}"
          + "(?:(?=(?i:x|ext|extn|extension)\\.?\\p{Nd})|(?![\\w\\-/]|\\.\\d))");
  private static final Pattern DATE = Pattern.compile(
      "\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}|\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");

  private static final Pattern INVISIBLE = Pattern.compile("\\p{Cf}");
  private static final Pattern IGNORED_IN_PHONE = Pattern.compile("[\\p{Cf}\\p{M}]");

  private static final Scrubber STANDARD = new Scrubber(List.of());

  /** The patterns of the extra values' forms, compiled once. */
  private final List<Pattern> extraValues;
  /** The patterns of the extra values wrapped over lines, compiled once. */
  private final List<Pattern> extraWrapped;

  private Scrubber(List<String> extraValues) {
    this.extraValues = extraValues.stream().map(Scrubber::formsPattern).toList();
    this.extraWrapped = extraValues.stream().map(Scrubber::wrappedPattern).toList();
  }

  /** The scrubber for every live {@link Secret} and the name, e-mail and phone rules. */
  public static Scrubber standard() {
    return STANDARD;
  }

  /** {@link #standard()} that also removes these values (e.g. credentials that are not held as a {@link Secret}). */
  public static Scrubber withValues(Collection<String> values) {
    List<String> v = new ArrayList<>();
    for (String s : Objects.requireNonNull(values, "values")) {
      if (s != null && s.length() >= MIN_SECRET_LENGTH) {
        v.add(s);
      }
    }
    return new Scrubber(List.copyOf(v));
  }

  /** {@code text} without credentials and with e-mails and phones masked; null stays null. */
  public String scrub(String text) {
    return maskPersonalData(scrubCredentials(text));
  }

  /**
   * {@code text} without credentials, as {@link #scrub(String)} removes them, but with e-mails and phones left as
   * they are (for a value that may be long digits, such as a destination's record id); null stays null.
   */
  public String scrubCredentials(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (Pattern forms : valueForms()) {
      out = replace(forms, out, m -> REDACTED);
    }
    if (hasLineBreak(out)) {
      for (Pattern wrapped : wrappedForms()) {
        out = replace(wrapped, out, m -> REDACTED);
      }
    }
    // Each form below needs a character that plain text such as a record id or a UUID lacks; looking for it first
    // skips the pattern, whose credential names backtrack at every position (some 40 us for a UUID, on every
    // delivery's record id, before this check). The replacements only ever take characters away, so a character
    // missing here cannot appear later.
    // the scheme's value first: a name-based rule below takes only the word after the name, so that
    // "Authorization=Bearer <token>" (a map of headers printed) kept the token after the redacted scheme word
    if (schemeSeparator(out)) {
      out = replace(SCHEME, out, m -> m.group(1) + m.group(2) + REDACTED);
    }
    boolean colon = out.indexOf(':') >= 0;
    boolean equals = out.indexOf('=') >= 0;
    if (colon && out.indexOf('@') >= 0) {
      out = replace(USER_INFO, out, m -> m.group(1) + REDACTED + m.group(3));
    }
    if (out.contains("eyJ")) {
      out = replace(JWT, out, m -> REDACTED);
    }
    if (out.indexOf('<') >= 0) {
      out = replace(XML_ELEMENT, out, m -> m.group(1) + REDACTED + m.group(4));
    }
    if (equals) {
      out = replace(QUERY_CODE, out, m -> m.group(1) + REDACTED);
    }
    if (colon && out.indexOf('\'') >= 0) {
      out = replace(QUOTED_HEADER, out, m -> m.group(1) + m.group(2) + m.group(3) + REDACTED);
    }
    if (colon) {
      out = replace(HEADER, out, m -> headerLike(m) ? m.group(1) + m.group(2) + m.group(3) + REDACTED : m.group());
    }
    if (colon && out.indexOf('"') >= 0) {
      out = replace(JSON_MEMBER, out, m -> m.group(1) + REDACTED);
    }
    if (colon && out.indexOf('\'') >= 0) {
      out = replace(QUOTED_MEMBER, out, m -> m.group(1) + REDACTED);
    }
    if (equals) {
      out = replace(PARAMETER, out, m -> m.group(1) + (m.group(2).isEmpty() ? "" : REDACTED));
    }
    return out;
  }

  /**
   * The credentials inside {@code text} as {@link #scrubCredentials} finds them by their place: a URL's user info
   * (whole, and the user and the password), the value of a parameter named like a credential ({@code sig=},
   * {@code token=}, {@code client_secret=}) and a long {@code ?code=}; each also URL-decoded. For a value that is
   * not a secret as a whole (a URL read from {@code ${CRM_URL}}) but whose credentials are.
   */
  static List<String> credentialsIn(String text) {
    Set<String> out = new LinkedHashSet<>();
    Matcher user = USER_INFO.matcher(text);
    while (user.find()) {
      String info = user.group(2);
      out.add(info);
      int colon = info.indexOf(':');
      if (colon >= 0) {
        out.add(info.substring(0, colon));
        out.add(info.substring(colon + 1));
      }
    }
    for (Pattern named : List.of(PARAMETER, QUERY_CODE)) {
      Matcher m = named.matcher(text);
      while (m.find()) {
        out.add(m.group(2));
      }
    }
    for (String found : List.copyOf(out)) {
      try {
        out.add(java.net.URLDecoder.decode(found, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // not URL-encoded text: the value as written is the credential
      }
    }
    out.removeIf(String::isEmpty);
    return List.copyOf(out);
  }

  /** Whether {@code text} has what separates an authorization scheme from its value: white space, '+' or "%20". */
  private static boolean schemeSeparator(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B' || c == '+') {
        return true;
      }
    }
    return text.contains("%20");
  }

  /**
   * {@code text} with every e-mail address and phone number masked as {@link #scrub(String)} masks them, and nothing
   * else changed (for text that holds no credentials but may hold a customer's data, e.g. a request body being
   * explained); null stays null.
   */
  public String maskPersonalData(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = replace(EMAIL, text,
        m -> maskEmail(m.group(1), m.group(2), m.group().substring(m.end(2) - m.start())));
    if (out.indexOf('/') >= 0) {
      out = replace(SLASHED_PHONE, out,
          m -> looksLikePhone(m.group()) ? Pii.maskPhone(decodePhone(m.group())) : m.group());
    }
    return replace(PHONE, out, m -> looksLikePhone(m.group()) ? Pii.maskPhone(decodePhone(m.group())) : m.group());
  }

  /** A diagnosis with its message and remediation scrubbed. */
  public Diagnosis scrub(Diagnosis d) {
    Objects.requireNonNull(d, "diagnosis");
    return new Diagnosis(d.code(), scrub(d.message()), scrub(d.remediation()));
  }

  /**
   * {@code t} safe to log or hand on: itself when no message in its chain (causes and suppressed exceptions) holds
   * anything to scrub, which keeps its type; otherwise a stand-in for each link down to the last that holds something,
   * with the same stack trace, a scrubbed message and reading {@code original.Type: message} (an
   * {@link java.io.IOException} stays one); clean links below are kept as they are. The
   * {@link BlockedAddressException} of the {@link AddressGuard} is always kept: it quotes only the refused host.
   * Stack-trace logging prints every cause's message unscrubbed, so a throwable that may quote a destination passes
   * through here first.
   */
  public Throwable scrub(Throwable t) {
    return t == null || clean(t, new java.util.IdentityHashMap<>()) ? t
        : copy(t, new java.util.IdentityHashMap<>());
  }

  private boolean clean(Throwable t, java.util.Map<Throwable, Boolean> seen) {
    if (seen.put(t, Boolean.TRUE) != null) {
      return true;
    }
    String m = t.getMessage();
    // the guard's refusal names only the host and address it refused (no destination text), and sinks find it by type
    if (!(t instanceof BlockedAddressException) && m != null && !m.equals(scrub(m))) {
      return false;
    }
    for (Throwable s : t.getSuppressed()) {
      if (!clean(s, seen)) {
        return false;
      }
    }
    return t.getCause() == null || clean(t.getCause(), seen);
  }

  private Throwable copy(Throwable t, java.util.Map<Throwable, Throwable> done) {
    Throwable known = done.get(t);
    if (known != null) {
      return known;
    }
    if (clean(t, new java.util.IdentityHashMap<>())) {
      return t; // a clean part of the chain is kept as it is, with its type (e.g. the guard's refusal)
    }
    String type = t instanceof Scrubbed s ? s.type() : t.getClass().getName();
    String message = scrub(t.getMessage());
    Throwable c = t instanceof java.io.IOException ? new ScrubbedIOException(type, message)
        : new ScrubbedException(type, message);
    done.put(t, c);
    c.setStackTrace(t.getStackTrace());
    if (t.getCause() != null && t.getCause() != t) {
      c.initCause(copy(t.getCause(), done));
    }
    for (Throwable s : t.getSuppressed()) {
      c.addSuppressed(copy(s, done));
    }
    return c;
  }

  /** A scrubbed stand-in for another throwable. */
  private interface Scrubbed {
    String type();
  }

  /** Stands in for an exception whose message held something scrubbed; shows the original type. */
  private static final class ScrubbedException extends RuntimeException implements Scrubbed {
    private static final long serialVersionUID = 1L;
    private final String type;

    ScrubbedException(String type, String message) {
      super(message);
      this.type = type;
    }

    @Override
    public String type() {
      return type;
    }

    @Override
    public String toString() {
      return type + (getMessage() == null ? "" : ": " + getMessage());
    }
  }

  /** Stands in for an {@link java.io.IOException} whose message held something scrubbed; shows the original type. */
  private static final class ScrubbedIOException extends java.io.IOException implements Scrubbed {
    private static final long serialVersionUID = 1L;
    private final String type;

    ScrubbedIOException(String type, String message) {
      super(message);
      this.type = type;
    }

    @Override
    public String type() {
      return type;
    }

    @Override
    public String toString() {
      return type + (getMessage() == null ? "" : ": " + getMessage());
    }
  }

  /**
   * Whether {@code text} has a line break, raw or JSON-escaped, or a space, where a value may have been wrapped (a
   * record id, scrubbed on every delivery, has none).
   */
  private static boolean hasLineBreak(String text) {
    return text.indexOf(' ') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || text.contains("\\n");
  }

  private List<Pattern> wrappedForms() {
    List<Pattern> all = new ArrayList<>(extraWrapped);
    for (Secret s : Secret.live()) {
      s.wrappedForms().ifPresent(all::add);
    }
    return all;
  }

  /**
   * A line break as a wrapped or folded echo puts one inside a value: raw or escaped, with the lines' indent, or the
   * single space a quote that collapses white space leaves of it.
   */
  private static final String BREAK = "(?:[ \\t]*(?:\\r?\\n|\\\\r\\\\n|\\\\n)[ \\t]*| )?";

  /**
   * One pattern finding the value, or its Base64, with a line break between any two of its characters (a destination
   * wrapping a long value at 64 or 76 columns, or folding a header), ignoring case.
   */
  static Pattern wrappedPattern(String value) {
    StringBuilder alternatives = new StringBuilder();
    for (String form : List.of(value, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)))) {
      alternatives.append(alternatives.length() == 0 ? "" : "|");
      for (int i = 0; i < form.length(); ) {
        int cp = form.codePointAt(i);
        alternatives.append(Pattern.quote(new String(Character.toChars(cp))));
        i += Character.charCount(cp);
        alternatives.append(i < form.length() ? BREAK : "");
      }
    }
    return Pattern.compile(alternatives.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  private List<Pattern> valueForms() {
    List<Pattern> all = new ArrayList<>();
    all.addAll(extraValues);
    for (Secret s : Secret.live()) {
      s.scrubForms().ifPresent(all::add);
    }
    return all;
  }

  /**
   * One pattern finding the value in any of its {@link #forms}, ignoring case (a destination may upper-case what it
   * echoes), longest form first.
   */
  static Pattern formsPattern(String value) {
    StringBuilder alternatives = new StringBuilder();
    for (String form : forms(value)) {
      alternatives.append(alternatives.length() == 0 ? "" : "|").append(Pattern.quote(form));
    }
    return Pattern.compile(alternatives.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  /** The value and its encodings, longest first so that a longer form is replaced before a part of it. */
  static List<String> forms(String value) {
    Set<String> forms = new LinkedHashSet<>();
    forms.add(value);
    String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
    forms.add(form);
    forms.add(form.replace("+", "%20"));
    forms.add(lowerHexEscapes(form));
    forms.add(URLEncoder.encode(form, StandardCharsets.UTF_8)); // encoded twice, e.g. inside a redirect URL
    forms.add(jsonEscape(value));
    forms.add(jsonEscape(value).replace("/", "\\/"));
    forms.add(unicodeEscape(value)); // .NET's System.Text.Json escapes "&'+<> as \\u0022...
    forms.add(htmlEscape(value, "&quot;", "&#39;"));
    forms.add(htmlEscape(value, "&#34;", "&#x27;"));
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    for (Base64.Encoder encoder : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
      // the value at each of the three alignments inside a longer Base64 text: keep the characters that depend
      // on the value's bytes alone (e.g. "client:secret" in an HTTP Basic header)
      for (int shift = 0; shift < 3; shift++) {
        byte[] padded = new byte[shift + bytes.length];
        System.arraycopy(bytes, 0, padded, shift, bytes.length);
        String enc = encoder.withoutPadding().encodeToString(padded);
        int start = shift == 0 ? 0 : shift + 1;
        int end = (padded.length / 3) * 4;
        if (end - start >= 8) {
          forms.add(enc.substring(start, end));
        }
      }
      forms.add(encoder.encodeToString(bytes));
    }
    List<String> sorted = new ArrayList<>(forms);
    sorted.removeIf(f -> f.length() < MIN_SECRET_LENGTH);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    return sorted;
  }

  private static String lowerHexEscapes(String urlEncoded) {
    Matcher m = Pattern.compile("%[0-9A-F]{2}").matcher(urlEncoded);
    return m.replaceAll(r -> r.group().toLowerCase(java.util.Locale.ROOT));
  }

  /** {@code value} inside a JSON string, escaped as Jackson (which writes the sinks' bodies) escapes it. */
  private static String jsonEscape(String value) {
    return new String(JsonStringEncoder.getInstance().quoteAsString(value));
  }

  /** {@code j***@contoso.com}, with the {@code @} as it was written; the first character, never half of one. */
  private static String maskEmail(String local, String at, String domain) {
    if (local.endsWith("\"") && (local.startsWith("\"") || local.startsWith("\\\""))) {
      // quoted: its quotes kept as they were written (a JSON escape stays balanced), nothing of the inside
      String quote = local.startsWith("\\") ? "\\\"" : "\"";
      return quote + "***" + quote + at + domain;
    }
    String visible = INVISIBLE.matcher(local).replaceAll(""); // the first character shown, not a zero-width one
    return (visible.isEmpty() ? "" : visible.substring(0, visible.offsetByCodePoints(0, 1))) + "***" + at + domain;
  }

  /** {@code value} in a JSON string as .NET writes it: HTML-sensitive characters as upper-case {@code \\u00XX}. */
  private static String unicodeEscape(String value) {
    StringBuilder b = new StringBuilder();
    for (char c : value.toCharArray()) {
      if ("\"&'+<>`".indexOf(c) >= 0) {
        b.append(String.format(java.util.Locale.ROOT, "\\u%04X", (int) c));
      } else {
        b.append(jsonEscape(String.valueOf(c)));
      }
    }
    return b.toString();
  }

  /** {@code value} in HTML text or an attribute, quotes written as given. */
  private static String htmlEscape(String value, String quot, String apos) {
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", quot)
        .replace("'", apos);
  }

  /**
   * Whether a {@code name: value} match is a header: at the start of a line or after punctuation, or, inside prose
   * ("the token: ..."), only when the name is spelled like a header ({@code X-Api-Key}, {@code Authorization}).
   */
  private static boolean headerLike(MatchResult m) {
    String before = m.group(1);
    if (!before.equals(" ") && !before.equals("\t")) {
      return true;
    }
    String name = m.group(2).toLowerCase(java.util.Locale.ROOT);
    return name.indexOf('-') >= 0 || name.equals("authorization") || name.equals("cookie");
  }

  private static boolean looksLikePhone(String candidate) {
    // judged as it reads: without invisible characters and combining marks, full-width forms as ASCII (NFKC), so that
    // a date or version written in full-width or with a bidirectional mark inside stays one
    String c = java.text.Normalizer.normalize(IGNORED_IN_PHONE.matcher(decodePhone(candidate)).replaceAll(""),
        java.text.Normalizer.Form.NFKC).replace('\u3000', ' ');
    String bare = c.replaceAll("^[(+]+|[)]+$", "");
    // dotted numbers are versions or ranges, unless they have a phone's length and groups (425.555.0100)
    boolean dotted = bare.contains(".") && bare.matches("[\\d.]+")
        && (bare.chars().filter(Character::isDigit).count() < 10 || bare.chars().filter(ch -> ch == '.').count() < 2);
    if (DATE.matcher(bare).matches() || IPV4.matcher(bare).matches() || dotted) {
      return false; // dates, addresses and dotted numbers (versions, ranges) are not phones
    }
    long digits = c.chars().filter(Character::isDigit).count();
    boolean punctuated = c.chars().anyMatch(ch -> !Character.isDigit(ch));
    // bare 10 or 13 digits starting with 1 are a Unix time in seconds or milliseconds (2001 to 2033), which messages
    // quote (a webhook-timestamp, an expiry); a phone written so would start with an area code, never 1 in NANP
    boolean unixTime = !punctuated && (digits == 10 || digits == 13) && c.charAt(0) == '1';
    return punctuated ? digits >= 7 : digits >= 10 && !unixTime;
  }

  private static String decodePhone(String candidate) {
    return candidate.replace("%20", " ").replace("%2B", "+").replace("%2b", "+");
  }

  private static String replace(Pattern p, String text, Function<MatchResult, String> f) {
    Matcher m = p.matcher(text);
    if (!m.find()) {
      return text;
    }
    m.reset();
    return m.replaceAll(r -> Matcher.quoteReplacement(f.apply(r)));
  }
}
