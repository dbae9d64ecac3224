package io.leadrouter;

import io.leadrouter.spi.Scrubber;
import java.util.Objects;

/**
 * The customer's details as the marketplace sends them ({@code UserDetails}); absent values are empty strings,
 * never null. Customers on {@code .edu} domains arrive without personal data.
 *
 * @param firstName first name, may be empty
 * @param lastName last name, may be empty
 * @param email e-mail address, empty for anonymous leads
 * @param phone free-text phone number
 * @param country ISO 3166 alpha-2 code, e.g. {@code US}
 * @param company company name, may be empty
 * @param title job title, may be empty
 */
public record CustomerInfo(
    String firstName, String lastName, String email, String phone, String country, String company, String title) {

  /** An anonymous customer with no details at all. */
  public static final CustomerInfo EMPTY = new CustomerInfo("", "", "", "", "", "", "");

  /** Turns null parts into empty strings. */
  public CustomerInfo {
    firstName = Objects.requireNonNullElse(firstName, "");
    lastName = Objects.requireNonNullElse(lastName, "");
    email = Objects.requireNonNullElse(email, "");
    phone = Objects.requireNonNullElse(phone, "");
    country = Objects.requireNonNullElse(country, "");
    company = Objects.requireNonNullElse(company, "");
    title = Objects.requireNonNullElse(title, "");
  }

  /** Whether the customer gave an e-mail address. */
  public boolean hasEmail() {
    return !email.isBlank();
  }

  /** Shows the customer with e-mail and phone masked (also in the other fields), safe to log. */
  @Override
  public String toString() {
    return Scrubber.standard().maskPersonalData("CustomerInfo[firstName=" + firstName + ", lastName=" + lastName
        + ", email=" + Pii.maskEmail(email) + ", phone=" + Pii.maskPhone(phone) + ", country=" + country + ", company=" + company + ", title=" + title
        + "]");
  }
}
