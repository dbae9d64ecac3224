package io.leadrouter.internal.intake;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Says exactly why an e-mail address is not one (length, an invisible character and where, a missing {@code @}...),
 * without repeating the address: the reason is safe to log.
 */
public final class EmailCheck {
  /** The most characters in an address (RFC 5321 path limit less the angle brackets). */
  public static final int MAX_LENGTH = 254;
  /** The most characters before the {@code @}. */
  public static final int MAX_LOCAL = 64;
  // letters and digits of any script: internationalised addresses (RFC 6531, IDN domains) are real customers' too
  private static final Pattern LOCAL = Pattern.compile("[\\p{L}\\p{N}\\p{M}!#$%&'*+/=?^_`{|}~.-]+");
  private static final Pattern LABEL = Pattern.compile("[\\p{L}\\p{N}\\p{M}](?:[\\p{L}\\p{N}\\p{M}-]{0,61}[\\p{L}\\p{N}\\p{M}])?");

  private EmailCheck() {}

  /** Why {@code email} is not a valid address, or empty when it is one. */
  public static Optional<String> problem(String email) {
    // nearly every real address is plain ASCII: judged without the Unicode-class expressions (they took a tenth of a
    // route() caller's samples in a profile); anything else, valid or not, takes the full check and its exact reason
    return plainAsciiAddress(email) ? Optional.empty() : fullCheck(email);
  }

  /**
   * Whether {@code email} is an address by the rules of {@link #fullCheck} using ASCII alone: one {@code @}, a local
   * part of allowed characters without leading, trailing or doubled dots, and at least two domain labels of letters,
   * digits and inner hyphens. False says nothing (the full check decides).
   */
  static boolean plainAsciiAddress(String email) {
    int n = email.length();
    if (n > MAX_LENGTH) {
      return false;
    }
    int at = email.indexOf('@');
    if (at <= 0 || at > MAX_LOCAL || email.indexOf('@', at + 1) >= 0) {
      return false;
    }
    char previous = '.'; // a local part may not start with a dot
    for (int i = 0; i < at; i++) {
      char ch = email.charAt(i);
      if (ch == '.' ? previous == '.' : !localAscii(ch)) {
        return false;
      }
      previous = ch;
    }
    if (previous == '.') {
      return false;
    }
    int labels = 0;
    int start = at + 1;
    for (int i = start; i <= n; i++) {
      if (i == n || email.charAt(i) == '.') {
        int len = i - start;
        if (len < 1 || len > 63 || email.charAt(start) == '-' || email.charAt(i - 1) == '-') {
          return false;
        }
        labels++;
        start = i + 1;
      } else if (!labelAscii(email.charAt(i))) {
        return false;
      }
    }
    return labels >= 2;
  }

  private static boolean localAscii(char ch) {
    return labelAscii(ch) && ch != '-' || "!#$%&'*+/=?^_`{|}~-".indexOf(ch) >= 0;
  }

  private static boolean labelAscii(char ch) {
    return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-';
  }

  /**
   * The address in plain characters: Unicode's compatibility form (NFKC; the full-width {@code ｊａｎｅ＠ｃｏｎｔｏｓｏ．ｃｏｍ}
   * is {@code jane@contoso.com}), and the ideographic full stop U+3002 after the {@code @} (also the half-width U+FF61,
   * which NFKC makes U+3002) read as the dot between domain labels, as IDNA reads it (RFC 3490 section 3.1;
   * {@code java.net.IDN} and every mail system do): it is the dot a Chinese or Japanese input method types. Only the
   * domain's: before the {@code @} it is no separator.
   */
  public static String plainForm(String email) {
    String plain = java.text.Normalizer.normalize(email, java.text.Normalizer.Form.NFKC);
    int at = plain.lastIndexOf('@');
    if (at < 0 || plain.indexOf(IDEOGRAPHIC_FULL_STOP, at) < 0) {
      return plain;
    }
    return plain.substring(0, at + 1) + plain.substring(at + 1).replace(IDEOGRAPHIC_FULL_STOP, '.');
  }

  private static final char IDEOGRAPHIC_FULL_STOP = '\u3002';

  /**
   * The ideographic full stops (U+3002, U+FF61) after the {@code @} of {@code email} that {@link #plainForm} reads as
   * dots, as a clause ({@code U+3002 at position 13}, positions as sent), or empty when there are none.
   */
  static String ideographicDots(String email) {
    int at = email.lastIndexOf('@');
    int fullWidthAt = email.lastIndexOf('\uFF20');
    at = Math.max(at, fullWidthAt);
    List<String> dots = new java.util.ArrayList<>();
    int position = 1;
    for (int i = 0; i < email.length(); position++) {
      int cp = email.codePointAt(i);
      if (i > at && at >= 0 && (cp == IDEOGRAPHIC_FULL_STOP || cp == '\uFF61')) {
        dots.add(codePoint(cp) + " at position " + position);
      }
      i += Character.charCount(cp);
    }
    return String.join(" and ", dots);
  }

  /**
   * Why an address that holds compatibility characters (full-width letters, ligatures, circled digits) is no address
   * once they are written plainly (Unicode NFKC), or empty when it holds none or is one then: as sent, which mailbox
   * is meant depends on how each receiver folds them.
   */
  public static Optional<String> compatibilityProblem(String email) {
    String plain = plainForm(email);
    if (plain.equals(email)) {
      return Optional.empty();
    }
    return problem(plain).map(reason -> "in Unicode's compatibility form (NFKC) " + compatibilityForms(email)
        + ", and written so it is no address (" + reason + "); send the address in plain characters");
  }

  /**
   * What Unicode's compatibility form changes in {@code email}, as a clause: {@code U+FF41 at position 1 and 2 more are
   * the forms of plain characters} (positions as sent), {@code combining marks are composed with their letters}, or
   * both.
   */
  static String compatibilityForms(String email) {
    int first = -1;
    int firstCp = 0;
    int count = 0;
    int position = 1;
    int at = Math.max(email.lastIndexOf('@'), email.lastIndexOf('\uFF20'));
    for (int i = 0; i < email.length(); position++) {
      int cp = email.codePointAt(i);
      String one = new String(Character.toChars(cp));
      // a half-width ideographic full stop in the domain is said as a dot ({@link #ideographicDots}), not as a form
      if (!(cp == '\uFF61' && at >= 0 && i > at)
          && !java.text.Normalizer.normalize(one, java.text.Normalizer.Form.NFKC).equals(one)) {
        if (first < 0) {
          first = position;
          firstCp = cp;
        }
        count++;
      }
      i += Character.charCount(cp);
    }
    String composed = java.text.Normalizer.isNormalized(email, java.text.Normalizer.Form.NFC) ? ""
        : "combining marks are composed with their letters";
    if (first < 0) {
      return composed;
    }
    return codePoint(firstCp) + " at position " + first + (count > 1 ? " and " + (count - 1) + " more are the forms"
        + " of" : " is the form of") + " plain characters" + (composed.isEmpty() ? "" : " and " + composed);
  }

  /** The check with every reason, for any script. */
  static Optional<String> fullCheck(String email) {
    int length = email.codePointCount(0, email.length());
    if (length > MAX_LENGTH) {
      return Optional.of(length + " characters, over " + MAX_LENGTH);
    }
    // several addresses in one field: said as that, not as the space or second @ it also holds
    int ats = (int) email.chars().filter(c -> c == '@').count();
    for (char separator : new char[] {';', ','}) {
      if (ats > 1 && email.indexOf(separator) > email.indexOf('@')) {
        return Optional.of("holds " + ats + " addresses separated by '" + separator + "': which one is meant cannot"
            + " be told");
      }
    }
    if (email.endsWith(">") && email.indexOf('<') >= 0) {
      // intake takes "Name <address>" apart (LeadNormalizer); one left here has another address in its name, or none
      // that is valid in its brackets: said as that, not as the space or bracket it also holds
      return Optional.of("holds a name and an address in angle brackets (Name <address>) that cannot be taken apart:"
          + " the name holds another address, or the brackets no valid one; send the address alone");
    }
    if (ats > 1 && !email.startsWith("\"")) {
      int first = email.indexOf('@');
      int second = email.indexOf('@', first + 1);
      for (int i = first + 1; i < second; i++) {
        if (Character.isWhitespace(email.charAt(i)) || Character.isSpaceChar(email.charAt(i))) {
          return Optional.of("holds " + ats + " addresses separated by white space: which one is meant cannot be"
              + " told");
        }
      }
    }
    int closing = closingQuote(email);
    if (closing > 0 && closing + 1 < email.length() && email.charAt(closing + 1) == '@') {
      // a quoted local part ("john doe"@contoso.com, RFC 5321 section 4.1.2): spaces and @ inside the quotes are the
      // address's own
      String quoted = email.substring(0, closing + 1);
      if (quoted.length() > MAX_LOCAL) {
        return Optional.of(quoted.length() + " characters before the @, over " + MAX_LOCAL);
      }
      for (int i = 1; i < closing; ) {
        int cp = quoted.codePointAt(i);
        if (cp != ' ' && invisible(cp)) { // a space is the quotes' purpose; a tab, control or U+200B is no text
          return Optional.of("invisible character " + codePoint(cp) + " at position "
              + (quoted.codePointCount(0, i) + 1));
        }
        i += Character.charCount(cp);
      }
      return domainProblem(email.substring(closing + 2));
    }
    int position = 1;
    for (int i = 0; i < email.length(); ) {
      int cp = email.codePointAt(i);
      if (invisible(cp)) {
        return Optional.of((Character.isWhitespace(cp) || Character.isSpaceChar(cp) ? "white space" : "invisible character")
            + " " + codePoint(cp) + " at position " + position);
      }
      i += Character.charCount(cp);
      position++;
    }
    int at = email.lastIndexOf('@');
    if (at < 0) {
      return Optional.of("has no @");
    }
    if (email.indexOf('@') != at) {
      return Optional.of("has more than one @");
    }
    String local = email.substring(0, at);
    String domain = email.substring(at + 1);
    if (local.isEmpty()) {
      return Optional.of("has nothing before the @");
    }
    if (local.length() > MAX_LOCAL) {
      return Optional.of(local.length() + " characters before the @, over " + MAX_LOCAL);
    }
    if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
      return Optional.of("a dot at the start or end of the part before the @, or two dots in a row");
    }
    if (!LOCAL.matcher(local).matches()) {
      int bad = firstOutside(local, LOCAL);
      return Optional.of("character " + codePoint(local.codePointAt(bad)) + " at position "
          + (local.codePointCount(0, bad) + 1) + " is not allowed before the @");
    }
    return domainProblem(domain);
  }

  /**
   * Where a local part in double quotes ends: the index of its closing quote (a backslash escapes the next character,
   * RFC 5321's quoted-pair), or -1 when {@code email} does not start with one that closes.
   */
  private static int closingQuote(String email) {
    if (email.isEmpty() || email.charAt(0) != '"') {
      return -1;
    }
    for (int i = 1; i < email.length(); i++) {
      char ch = email.charAt(i);
      if (ch == '\\') {
        i++;
      } else if (ch == '"') {
        return i;
      }
    }
    return -1;
  }

  /** Why the part after the @ is no domain: host names of any script, or an address literal ({@code [192.0.2.1]}). */
  private static Optional<String> domainProblem(String domain) {
    if (domain.isEmpty()) {
      return Optional.of("has no domain after the @");
    }
    if (domain.startsWith("[") && domain.endsWith("]")) {
      // an address literal (RFC 5321 section 4.1.3): user@[192.0.2.1], user@[IPv6:2001:db8::1]
      String literal = domain.substring(1, domain.length() - 1);
      boolean ipv6 = literal.regionMatches(true, 0, "IPv6:", 0, 5);
      return (ipv6 ? ipv6(literal.substring(5)) : IPV4_LITERAL.matcher(literal).matches()) ? Optional.empty()
          : Optional.of("the address literal [" + (ipv6 ? "IPv6:..." : "...") + "] after the @ is no "
              + (ipv6 ? "IPv6" : "IPv4") + " address");
    }
    String[] labels = domain.split("\\.", -1);
    if (labels.length < 2) {
      return Optional.of("the domain has no dot (like contoso.com)");
    }
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        return Optional.of(label.isEmpty() ? "the domain has an empty part (two dots in a row, or a dot at an end)"
            : "the domain part " + (label.length() > 63 ? "of " + label.length() + " characters is over 63"
                : "starts or ends with '-' or holds a character not allowed in a domain"));
      }
    }
    return Optional.empty();
  }

  private static final Pattern IPV4_LITERAL = Pattern.compile(
      "(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

  /** Whether {@code text} is an IPv6 address as RFC 5321 writes it (hex groups, {@code ::}, an IPv4 tail). */
  private static boolean ipv6(String text) {
    if (text.isEmpty() || text.length() > 45 || !text.matches("[0-9A-Fa-f:.]+") || text.indexOf(':') < 0) {
      return false;
    }
    try {
      // a bracketed literal is parsed, never looked up in DNS
      java.net.InetAddress.getByName("[" + text + "]"); // ::ffff:192.0.2.1 comes back as an Inet4Address
      return true;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** Characters a reader cannot see: controls, format characters (U+200B, U+FEFF...), white space. */
  static boolean invisible(int cp) {
    int type = Character.getType(cp);
    return Character.isISOControl(cp) || type == Character.FORMAT || Character.isWhitespace(cp)
        || Character.isSpaceChar(cp) || type == Character.UNASSIGNED || type == Character.SURROGATE;
  }

  private static int firstOutside(String s, Pattern allowed) {
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (!allowed.matcher(new String(Character.toChars(cp))).matches()) {
        return i;
      }
      i += Character.charCount(cp);
    }
    return 0;
  }

  /** {@code U+200B}. */
  static String codePoint(int cp) {
    return String.format(java.util.Locale.ROOT, "U+%04X", cp);
  }
}
