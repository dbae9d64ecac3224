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
 *   <li>the value of every live {@link Secret} (and of any extra value given), raw and in its common encodings:
 *   URL-encoded, JSON-escaped, Base64 (standard and URL-safe, also inside a longer Base64 text such as HTTP Basic
 *   credentials);</li>
 *   <li>credentials by their name: {@code Authorization}/{@code Bearer}/{@code Basic} values, and the value of any
 *   header, JSON member or URL/form parameter whose name says secret, token, password, key, signature, cookie,
 *   credential or assertion (e.g. {@code client_secret=}, {@code "access_token": "..."}, {@code sig=} in a SAS URL,
 *   {@code X-Api-Key: ...});</li>
 *   <li>raw e-mail addresses (also {@code %40}-encoded) and phone numbers, masked as {@link Pii} masks them.</li>
 * </ul>
 * Phones are found by form: a run of 7 to 15 digits written with phone punctuation ({@code +}, spaces, dots,
 * dashes, brackets), or 10 to 15 bare digits; dates, IPv4 addresses and digits inside identifiers are left alone.
 * {@link Diagnosis} and {@link DeliveryException} apply {@link #standard()} to their messages themselves, so a sink
 * cannot forget; sinks and applications may call it on anything else they print. Thread-safe.
 */
public final class Scrubber {
  /** What replaces a credential. */
  public static final String REDACTED = "[redacted]";
  /** Shorter secret values are not searched for as text (they would match ordinary words); names still are. */
  static final int MIN_SECRET_LENGTH = 6;

  private static final String NAME = "(?:[\\w-]*(?:secret|token|passw(?:or)?d|pwd|api[-_]?key|apikey|access[-_]?key"
      + "|private[-_]?key|signature|authorization|cookie|credential|assertion)[\\w-]*|key|sig|auth)";
  /** {@code "name": "value"}, {@code "name": ["value"]}, and the same inside a JSON string ({@code \"name\":\"v\"}). */
  private static final Pattern JSON_MEMBER = Pattern.compile(
      "(\\\\?\"" + NAME + "\\\\?\"\\s*:\\s*\\[?\\s*\\\\?\")([^\"\\\\]+)", Pattern.CASE_INSENSITIVE);
  private static final Pattern PARAMETER = Pattern.compile(
      "((?:^|[?&;\\s\"'(,{\\[])" + NAME + "=)(\\[[^\\]]*\\]|[^&\\s\"'<>,;)}]*)", Pattern.CASE_INSENSITIVE);
  /** {@code Name: value} (a header line); group 1 is what precedes the name (start of line or punctuation). */
  private static final Pattern HEADER = Pattern.compile(
      "(^|[ \\t{,;(\\[])(" + NAME + ")(\\s*:\\s*)(?![\\s\\\\]*\")(\\[[^\\]\\r\\n]*\\]|[^\\r\\n;}\"]+)",
      Pattern.CASE_INSENSITIVE | Pattern.MULTILINE);
  private static final Pattern SCHEME = Pattern.compile(
      "(?<![A-Za-z])(Bearer|Basic|Digest|SharedKey|SharedKeyLite|SharedAccessSignature|OAuth)(\\s+|\\+|%20)(?![A-Za-z_]+=)"
          + "([A-Za-z0-9._~+/=:%-]{6,})",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern EMAIL = Pattern.compile(
      "[A-Za-z0-9._%+'-]+(?:@|%40)[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");
  private static final Pattern PHONE = Pattern.compile(
      "(?<![\\w%.\\-/:])(?:\\+|%2[bB])?\\(?\\d(?:(?:[ ().\\-+]|%20|%2[bB]){0,3}\\d){6,14}(?![\\w\\-]|\\.\\d)");
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}|\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");

  private static final Scrubber STANDARD = new Scrubber(List.of());

  private final List<String> extraValues;

  private Scrubber(List<String> extraValues) {
    this.extraValues = extraValues;
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
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (List<String> forms : valueForms()) {
      for (String form : forms) {
        if (out.contains(form)) {
          out = out.replace(form, REDACTED);
        }
      }
    }
    out = replace(HEADER, out, m -> headerLike(m) ? m.group(1) + m.group(2) + m.group(3) + REDACTED : m.group());
    out = replace(JSON_MEMBER, out, m -> m.group(1) + REDACTED);
    out = replace(PARAMETER, out, m -> m.group(1) + (m.group(2).isEmpty() ? "" : REDACTED));
    out = replace(SCHEME, out, m -> m.group(1) + m.group(2) + REDACTED);
    out = replace(EMAIL, out, m -> maskEmail(m.group()));
    out = replace(PHONE, out, m -> looksLikePhone(m.group()) ? Pii.maskPhone(decodePhone(m.group())) : m.group());
    return out;
  }

  /** A diagnosis with its message and remediation scrubbed. */
  public Diagnosis scrub(Diagnosis d) {
    Objects.requireNonNull(d, "diagnosis");
    return new Diagnosis(d.code(), scrub(d.message()), scrub(d.remediation()));
  }

  private List<List<String>> valueForms() {
    List<List<String>> all = new ArrayList<>();
    for (String v : extraValues) {
      all.add(forms(v));
    }
    for (Secret s : Secret.live()) {
      all.add(s.scrubForms());
    }
    return all;
  }

  /** The value and its encodings, longest first so that a longer form is replaced before a part of it. */
  static List<String> forms(String value) {
    Set<String> forms = new LinkedHashSet<>();
    forms.add(value);
    String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
    forms.add(form);
    forms.add(form.replace("+", "%20"));
    forms.add(lowerHexEscapes(form));
    forms.add(jsonEscape(value));
    forms.add(jsonEscape(value).replace("/", "\\/"));
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

  private static String maskEmail(String email) {
    int at = email.indexOf('@');
    if (at < 0) {
      int enc = email.toLowerCase(java.util.Locale.ROOT).indexOf("%40");
      return email.charAt(0) + "***" + email.substring(enc);
    }
    return Pii.maskEmail(email);
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
    String c = candidate.replace("%20", " ").replace("%2B", "+").replace("%2b", "+");
    String bare = c.replaceAll("^[(+]+|[)]+$", "");
    boolean dotted = bare.contains(".") && bare.matches("[\\d.]+");
    if (DATE.matcher(bare).matches() || IPV4.matcher(bare).matches() || dotted) {
      return false; // dates, addresses and dotted numbers (versions, ranges) are not phones
    }
    long digits = c.chars().filter(Character::isDigit).count();
    boolean punctuated = c.chars().anyMatch(ch -> " ().-+".indexOf(ch) >= 0);
    return punctuated ? digits >= 7 : digits >= 10;
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
