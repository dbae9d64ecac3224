package io.leadrouter;

/** Masks personal data (e-mail, phone) so it can appear in logs and operator output. */
public final class Pii {
  private Pii() {}

  /** {@code jane.doe@contoso.com} becomes {@code j***@contoso.com}; text that is no address is fully masked. */
  public static String maskEmail(String email) {
    if (email == null || email.isEmpty()) {
      return "";
    }
    int at = email.lastIndexOf('@');
    if (at <= 0) {
      return "***";
    }
    // the first character whole: half of a surrogate pair (an emoji, a mathematical letter) is no character
    return email.substring(0, email.offsetByCodePoints(0, 1)) + "***" + email.substring(at);
  }

  /** A GUID (any case), or an id derived from content ({@code sha256-} and hex): no personal data in either. */
  private static final java.util.regex.Pattern PLAIN_ID = java.util.regex.Pattern.compile(
      "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|sha256-[0-9a-f]{1,64}");
  /** Seven digits or more, single separators between them allowed: a phone number inside an id. */
  private static final java.util.regex.Pattern DIGIT_RUN = java.util.regex.Pattern.compile(
      "\\+?\\d(?:[.~-]?\\d){6,}");

  /**
   * A lead id as telemetry and logs may show it: a sender may make a lead's id of the customer's e-mail or phone
   * ({@code form:jane.doe@contoso.com}, {@code tel-4915112345678}; a {@link LeadId} allows {@code @} and {@code +}),
   * so e-mail addresses are masked as {@link #maskEmail} masks them and every run of seven digits or more (a phone,
   * whatever precedes it) as {@link #maskPhone} does: {@code tel-***78}. A GUID and a derived {@code sha256-} id are
   * returned as they are. The same id always gives the same text.
   */
  public static String maskLeadId(String id) {
    if (id == null || id.isEmpty()) {
      return "";
    }
    if (PLAIN_ID.matcher(id).matches() || id.indexOf('@') < 0 && !hasDigitRun(id)) {
      return id; // the common case costs one scan, no scrub
    }
    String out = io.leadrouter.spi.Scrubber.standard().maskPersonalData(id);
    return DIGIT_RUN.matcher(out).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(maskPhone(m.group())));
  }

  /** Whether {@code id} holds seven digits with at most one separator between each two. */
  private static boolean hasDigitRun(String id) {
    int digits = 0;
    boolean separator = false;
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c >= '0' && c <= '9') {
        if (++digits >= 7) {
          return true;
        }
        separator = false;
      } else if ((c == '.' || c == '~' || c == '-') && digits > 0 && !separator) {
        separator = true;
      } else {
        digits = 0;
        separator = false;
      }
    }
    return false;
  }

  /** {@code +1 425 555 0100} becomes {@code ***00}: only the last two digits stay. */
  public static String maskPhone(String phone) {
    if (phone == null || phone.isEmpty()) {
      return "";
    }
    String digits = phone.replaceAll("[^\\p{Nd}]", ""); // digits of any script: full-width ０３ too
    return digits.length() <= 2 ? "***" : "***" + digits.substring(digits.length() - 2);
  }
}
