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
    return email.charAt(0) + "***" + email.substring(at);
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
