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
    List<Problem> problems = new ArrayList<>();
    CustomerInfo c = lead.customer();
    field(problems, "customer.firstName", c.firstName());
    field(problems, "customer.lastName", c.lastName());
    field(problems, "customer.email", c.email());
    field(problems, "customer.phone", c.phone());
    field(problems, "customer.country", c.country());
    field(problems, "customer.company", c.company());
    field(problems, "customer.title", c.title());
    field(problems, "offerTitle", lead.offerTitle());
    field(problems, "source", lead.source().raw());
    String description = lead.description();
    if (description.length() > limits.maxDescriptionChars()) {
      problems.add(tooLong("description", description.length(), limits.maxDescriptionChars()));
    } else if (hasControl(description, true)) {
      problems.add(control("description"));
    }
    if (lead.attributes().size() > limits.maxAttributes()) {
      problems.add(new Problem("attributes", lead.attributes().size() + " attributes, over the limit of "
          + limits.maxAttributes(), "send fewer extra attributes"));
    }
    long total = description.length();
    for (Map.Entry<String, String> e : lead.attributes().entrySet()) {
      field(problems, "attributes." + shorten(e.getKey()), e.getValue());
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

  private void field(List<Problem> problems, String path, String value) {
    if (value.length() > limits.maxFieldChars()) {
      problems.add(tooLong(path, value.length(), limits.maxFieldChars()));
    } else if (hasControl(value, false)) {
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
