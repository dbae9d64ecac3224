package io.leadrouter;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Whose data {@link LeadRouter#erase(Person)} removes: everyone whose leads carry this e-mail address (compared
 * trimmed and case-insensitively, in Unicode's compatibility form NFKC), this phone number (compared by its digits, in any
 * script: {@code +1 (425) 555-0100} and the full-width {@code ＋１ ４２５ ５５５ ０１００} are {@code 14255550100}) or
 * this lead id. {@link #toString()} masks the value.
 *
 * @param kind what identifies the person
 * @param value the e-mail address, phone number or lead id, as given
 */
public record Person(Kind kind, String value) {

  /** What identifies the person. */
  public enum Kind {
    /** An e-mail address. */
    EMAIL,
    /** A phone number. */
    PHONE,
    /** One lead's id. */
    LEAD_ID
  }

  /** Checks the value can identify someone. */
  public Person {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(value, "value");
    switch (kind) {
      case EMAIL -> {
        if (value.strip().length() < 3 || value.indexOf('@') < 1) {
          throw new IllegalArgumentException("'" + Pii.maskEmail(value) + "' is no e-mail address: give the"
              + " address the person's leads carry");
        }
        // "Ann <ann@contoso.com>" as a mail client copies it: no lead carries that, so it would erase nothing
        if (value.endsWith(">") && value.indexOf('<') >= 0 && value.indexOf('<') > value.lastIndexOf('"')) {
          throw new IllegalArgumentException("'" + Pii.maskEmail(value) + "' holds the address in angle brackets"
              + " (Name <address>, as a mail client copies it): give the address alone, as the person's leads"
              + " carry it");
        }
      }
      case PHONE -> {
        if (digits(value).length() < 6) {
          throw new IllegalArgumentException("a phone number needs at least 6 digits to identify a person");
        }
      }
      case LEAD_ID -> LeadId.of(value);
    }
  }

  /**
   * The person whose leads carry this e-mail address (any case; white space, no-break and invisible characters around
   * it and a {@code mailto:} before it ignored, as the intake removes them from a lead's address; a decomposed
   * {@code e} + U+0308 is {@code ë}).
   */
  public static Person byEmail(String email) {
    return new Person(Kind.EMAIL, bareAddress(Objects.requireNonNull(email, "email")));
  }

  /**
   * The address without what is never part of one (as {@code LeadNormalizer} trims a lead's), in NFC: copied from a
   * web page or a mail client, an address comes with a no-break space or a {@code mailto:}, which matched nothing.
   */
  private static String bareAddress(String email) {
    int from = 0;
    int to = email.length();
    while (from < to && blank(email.codePointAt(from))) {
      from += Character.charCount(email.codePointAt(from));
    }
    if (email.regionMatches(true, from, "mailto:", 0, 7)) {
      from += 7;
    }
    while (to > from && blank(email.codePointBefore(to))) {
      to -= Character.charCount(email.codePointBefore(to));
    }
    return Normalizer.normalize(email.substring(from, to), Normalizer.Form.NFC);
  }

  private static boolean blank(int cp) {
    return io.leadrouter.internal.intake.Blanks.blank(cp);
  }

  /**
   * An e-mail address as compared: in Unicode's compatibility form NFKC (a decomposed {@code ë} is the composed one,
   * and the full-width {@code ｊｏｈｎ＠ｃｏｎｔｏｓｏ．ｃｏｍ} a CJK input method types is {@code john@contoso.com}, as
   * the intake reads it), lower case: a payload quarantined with the full-width spelling holds the person's address.
   */
  private static String folded(String email) {
    return Normalizer.normalize(email, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
  }

  /**
   * An e-mail address as compared with a lead's: {@link #folded}, its domain in Unicode ({@code xn--bcher-kva.de} is
   * {@code bücher.de}: one mailbox, which a request may spell either way).
   */
  private static String address(String email) {
    String f = folded(email);
    int at = f.lastIndexOf('@');
    return at < 0 ? f : f.substring(0, at + 1) + unicodeDomain(f.substring(at + 1));
  }

  private static String unicodeDomain(String domain) {
    if (domain.chars().allMatch(c -> c < 0x80) && !domain.contains("xn--")) {
      return domain; // nothing IDNA would change: the common case, on every lead an erasure reads
    }
    return Normalizer.normalize(java.net.IDN.toUnicode(domain, java.net.IDN.ALLOW_UNASSIGNED), Normalizer.Form.NFC)
        .toLowerCase(Locale.ROOT);
  }

  /** The spellings of this person's address in raw bytes: as given, its domain in Unicode and in ASCII (xn--). */
  private List<String> addressSpellings() {
    String f = folded(value);
    int at = f.lastIndexOf('@');
    java.util.Set<String> out = new java.util.LinkedHashSet<>(List.of(f));
    if (at >= 0) {
      String domain = unicodeDomain(f.substring(at + 1));
      out.add(f.substring(0, at + 1) + domain);
      try {
        out.add(f.substring(0, at + 1) + java.net.IDN.toASCII(domain, java.net.IDN.ALLOW_UNASSIGNED)
            .toLowerCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // a domain IDNA cannot write in ASCII: only the spellings above can be in the bytes
      }
    }
    return List.copyOf(out);
  }

  /** The person whose leads carry this phone number (its digits compared, separators ignored). */
  public static Person byPhone(String phone) {
    return new Person(Kind.PHONE, Objects.requireNonNull(phone, "phone").strip());
  }

  /** The person of one lead. */
  public static Person byLeadId(LeadId id) {
    return new Person(Kind.LEAD_ID, Objects.requireNonNull(id, "id").value());
  }

  /** Whether {@code lead} is this person's. */
  public boolean matches(Lead lead) {
    return switch (kind) {
      case EMAIL -> address(lead.customer().email().strip()).equals(address(value));
      case PHONE -> digits(lead.customer().phone()).equals(digits(value));
      case LEAD_ID -> lead.id().value().equals(value);
    };
  }

  /**
   * The extension of {@code lead}'s phone when it holds this person's number followed by an extension
   * ({@code +1 425 555 0100 ext. 12}, {@code +1-425-555-0100x12}, {@code tel:+14255550100;ext=12} for
   * {@code +1 425 555 0100}); empty otherwise. Such a lead is not this person's ({@link #matches} is false): a number
   * with extensions is a switchboard's, shared by colleagues, so erasing by the bare number leaves them, and the
   * extension says what to give instead ({@code byPhone("+1 425 555 0100 ext. 12")} erases that one).
   */
  public java.util.Optional<String> extensionOf(Lead lead) {
    if (kind != Kind.PHONE) {
      return java.util.Optional.empty();
    }
    java.util.regex.Matcher m = EXTENSION.matcher(Objects.requireNonNull(lead, "lead").customer().phone().strip());
    if (!m.matches() || !digits(m.group(1)).equals(digits(value))) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(digits(m.group(2)));
  }

  /** An extension written after a number's digits and separators: {@code ext. 12}, {@code x12}, {@code ;ext=12}. */
  private static final java.util.regex.Pattern EXTENSION_AFTER = java.util.regex.Pattern.compile(
      "[\\s,;]*(?i:extension|extn|ext=|ext|x|#)\\.?\\s*(\\p{Nd}{1,8})(?!\\p{Nd})",
      java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);

  /** A number, then an extension written after it: {@code x12}, {@code ext. 12}, {@code extension 12}, {@code ;ext=12}. */
  private static final java.util.regex.Pattern EXTENSION = java.util.regex.Pattern.compile(
      "(.*?\\p{Nd}[^\\p{L}\\p{Nd}]*?)[\\s,;]*(?i:x|ext|extn|extension|ext=|#)\\.?\\s*(\\p{Nd}{1,8})\\s*",
      java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);

  /**
   * Whether raw bytes as received (a quarantined payload, a line of a file) hold this person's e-mail address (any
   * case, JSON escapes read), phone number (its digits, in one run of digits and separators) or lead id. The bytes are
   * read as the intake reads them: UTF-8, or UTF-16/UTF-32 told by their byte-order mark or zero bytes; bytes that are
   * not UTF-8 are also read as windows-1252 (a body whose request declared that charset is kept as received).
   */
  public boolean appearsIn(byte[] raw) {
    java.nio.charset.Charset encoding = io.leadrouter.internal.intake.PayloadReader.encodingOf(raw);
    String text = new String(raw, encoding);
    if (appearsIn(text)) {
      return true;
    }
    // a quarantined body read in its declared charset (windows-1252, ISO-8859-1) was kept in it: "zoë" is one byte
    return encoding.equals(StandardCharsets.UTF_8) && text.indexOf('\uFFFD') >= 0
        && appearsIn(new String(raw, java.nio.charset.Charset.forName("windows-1252")));
  }

  private boolean appearsIn(String decoded) {
    String text = unescape(decoded);
    return switch (kind) {
      case EMAIL -> {
        String folded = folded(text);
        yield addressSpellings().stream().anyMatch(a -> hasWord(folded, a, ".%+_-", ".-"));
      }
      case LEAD_ID -> hasWord(text.toLowerCase(Locale.ROOT), value.toLowerCase(Locale.ROOT), "-", "-");
      case PHONE -> hasPhone(text, digits(value));
    };
  }

  /**
   * Whether {@code word} occurs in {@code text} as a whole: not inside a longer address ({@code bjo@x.com} does not
   * hold {@code jo@x.com}, nor does {@code jo@x.com.au}).
   */
  private static boolean hasWord(String text, String word, String partBefore, String partAfter) {
    for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
      int end = i + word.length();
      boolean startsClean = i == 0 || !wordChar(text.charAt(i - 1), partBefore);
      boolean endsClean = end == text.length() || !wordChar(text.charAt(end), partAfter)
          || (text.charAt(end) == '.' && (end + 1 == text.length() || !wordChar(text.charAt(end + 1), "")));
      if (startsClean && endsClean) {
        return true;
      }
    }
    return false;
  }

  private static boolean wordChar(char c, String extra) {
    return Character.isLetterOrDigit(c) || extra.indexOf(c) >= 0;
  }

  /** {@code EMAIL j***@contoso.com}: safe to log. */
  @Override
  public String toString() {
    return kind + " " + switch (kind) {
      case EMAIL -> Pii.maskEmail(value);
      case PHONE -> Pii.maskPhone(value);
      case LEAD_ID -> value;
    };
  }

  /**
   * The number's digits as ASCII: the intake keeps a phone as sent, so {@code ４２５} (full-width) or Arabic-Indic
   * {@code ٤٢٥} are the digits 425 (compared as ASCII only, such a lead was never found).
   */
  private static String digits(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().filter(Character::isDigit).forEach(cp -> b.append((char) ('0' + Character.digit(cp, 10))));
    return b.toString();
  }

  /** Runs of digits joined by the separators phone numbers are written with, compared by their digits. */
  private static boolean hasPhone(String text, String wanted) {
    int i = 0;
    while (i < text.length()) {
      if (!Character.isDigit(text.charAt(i))) {
        i++;
        continue;
      }
      int j = i;
      while (j < text.length() && (Character.isDigit(text.charAt(j)) || separator(text.charAt(j)))) {
        j++;
      }
      String number = digits(text.substring(i, j));
      // a number with its extension after it is that extension's, as a lead's phone is (extensionOf): the bare
      // number erased a colleague's quarantined lead behind the same switchboard, never delivered
      java.util.regex.Matcher ext = EXTENSION_AFTER.matcher(text).region(j, text.length());
      if (ext.lookingAt()) {
        number += digits(ext.group(1));
        j = ext.end();
      }
      if (number.equals(wanted)) {
        return true;
      }
      i = j;
    }
    return false;
  }

  /**
   * What phone numbers are written with between digits: spaces of any width (not line breaks), dashes (en dash,
   * minus sign), {@code ( ) . / +} and their full-width forms, and what hides between them unseen: invisible
   * characters (bidirectional marks and isolates an Arabic or Hebrew page puts around a number's groups, zero-width
   * spaces) and combining marks (a variation selector). A payload holding the number with one of those between its
   * groups was not found, though its lead was (by its digits), and stayed after the erasure.
   */
  private static boolean separator(char c) {
    int type = Character.getType(c);
    return Character.isSpaceChar(c) || type == Character.DASH_PUNCTUATION || c == '\u2212'
        || type == Character.FORMAT || type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
        || "-.()/+\uff08\uff09\uff0e\uff0f\uff0b".indexOf(c) >= 0;
  }

  /** Reads JSON's {@code \}uXXXX and {@code \/} escapes, so an escaped address is found too. */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(i + 1);
        if (n == 'u' && i + 5 < s.length()) {
          try {
            b.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
            i += 5;
            continue;
          } catch (NumberFormatException e) {
            // not an escape: keep as written
          }
        } else if (n == '/' || n == '"' || n == '\\') {
          b.append(n);
          i++;
          continue;
        }
      }
      b.append(c);
    }
    return b.toString();
  }
}
