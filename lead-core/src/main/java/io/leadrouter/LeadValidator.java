package io.leadrouter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks a lead against size limits and for control characters, reporting every problem at once, each with its field
 * path and fix. The router no longer refuses leads for their content (the marketplace never sends a lead twice): it
 * normalises and {@link Lead#flags() flags} them, and whether a destination can take a value is decided at that
 * destination's delivery. This check is for callers that want to hold their own leads to limits. An e-mail that is
 * no address and a country that is no ISO code are flags, not problems. Thread-safe.
 */
public final class LeadValidator {

  private final LeadLimits limits;

  /** A validator with the given limits. */
  public LeadValidator(LeadLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /** A validator with {@link LeadLimits#DEFAULTS}. */
  public static LeadValidator standard() {
    return new LeadValidator(LeadLimits.DEFAULTS);
  }

  /** Every problem with the lead; empty when it is valid. */
  public List<Problem> problems(Lead lead) {
    return check(lead, false);
  }

  /**
   * The lead's values over the limits alone (not control characters), each named by the marketplace's own path
   * ({@code UserDetails.Company}, {@code OfferTitle}, {@code LeadSource}, {@code Description}, an attribute's key as
   * sent, {@code attributes} for their number, {@code lead} for the whole): what intake flags as
   * {@link LeadFlag#OVER_LIMIT}, keeping the values whole.
   */
  public List<Problem> overLimits(Lead lead) {
    return check(lead, true);
  }

  /** The checks of {@link #problems} ({@code marketplacePaths} false) or {@link #overLimits} (true). */
  private List<Problem> check(Lead lead, boolean marketplacePaths) {
    List<Problem> problems = new ArrayList<>();
    CustomerInfo c = lead.customer();
    String customer = marketplacePaths ? "UserDetails." : "customer.";
    String[][] fields = {{"firstName", "FirstName", c.firstName()}, {"lastName", "LastName", c.lastName()},
        {"email", "Email", c.email()}, {"phone", "Phone", c.phone()}, {"country", "Country", c.country()},
        {"company", "Company", c.company()}, {"title", "Title", c.title()}};
    for (String[] f : fields) {
      field(problems, customer + f[marketplacePaths ? 1 : 0], f[2], !marketplacePaths);
    }
    field(problems, marketplacePaths ? "OfferTitle" : "offerTitle", lead.offerTitle(), !marketplacePaths);
    field(problems, marketplacePaths ? "LeadSource" : "source", lead.source().raw(), !marketplacePaths);
    String description = lead.description();
    String descriptionPath = marketplacePaths ? "Description" : "description";
    if (description.length() > limits.maxDescriptionChars()) {
      problems.add(tooLong(descriptionPath, description.length(), limits.maxDescriptionChars()));
    } else if (!marketplacePaths && hasControl(description, true)) {
      problems.add(control(descriptionPath));
    }
    if (lead.attributes().size() > limits.maxAttributes()) {
      problems.add(new Problem("attributes", lead.attributes().size() + " attributes, over the limit of "
          + limits.maxAttributes(), "send fewer extra attributes"));
    }
    long total = description.length();
    for (Map.Entry<String, String> e : lead.attributes().entrySet()) {
      field(problems, marketplacePaths ? e.getKey() : "attributes." + shorten(e.getKey()), e.getValue(),
          !marketplacePaths);
      total += e.getKey().length() + e.getValue().length();
    }
    total += c.firstName().length() + c.lastName().length() + c.email().length() + c.phone().length()
        + c.country().length() + c.company().length() + c.title().length() + lead.offerTitle().length()
        + lead.source().raw().length();
    if (total > limits.maxTotalChars()) {
      problems.add(new Problem("lead", total + " characters in all, over the limit of " + limits.maxTotalChars(),
          "shorten the description or attributes"));
    }
    return problems;
  }

  /**
   * Checks the lead.
   *
   * @throws InvalidLeadException listing every problem
   */
  public void validate(Lead lead) {
    List<Problem> problems = problems(lead);
    if (!problems.isEmpty()) {
      throw new InvalidLeadException(problems);
    }
  }

  /** Whether the text is a plausible e-mail address (syntax only). */
  public static boolean isEmail(String text) {
    return io.leadrouter.internal.intake.EmailCheck.problem(text).isEmpty();
  }

  private void field(List<Problem> problems, String path, String value, boolean controls) {
    if (value.length() > limits.maxFieldChars()) {
      problems.add(tooLong(path, value.length(), limits.maxFieldChars()));
    } else if (controls && hasControl(value, false)) {
      problems.add(control(path));
    }
  }

  private static Problem tooLong(String path, int length, int max) {
    return new Problem(path, length + " characters, over the limit of " + max, "shorten it to at most " + max
        + " characters");
  }

  private static Problem control(String path) {
    return new Problem(path, "contains control characters", "remove control characters (tabs and line breaks are "
        + "allowed only in the description)");
  }

  private static boolean hasControl(String s, boolean allowWhitespace) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (Character.isISOControl(ch) && !(allowWhitespace && (ch == '\n' || ch == '\r' || ch == '\t'))) {
        return true;
      }
    }
    return false;
  }

  private static String shorten(String s) {
    return (s.length() > 20 ? s.substring(0, 20) + "..." : s).replaceAll("\\p{Cntrl}", "?");
  }
}
