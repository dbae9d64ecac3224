package io.leadrouter.spi;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Why a delivery failed, in a form a user can act on.
 *
 * @param code stable upper-case code, e.g. {@code DYNAMICS_INVALID_CLIENT_SECRET}; documented in DOMAIN.md
 * @param message the destination's own message (never a secret or unmasked customer data)
 * @param remediation what the user should do
 */
public record Diagnosis(String code, String message, String remediation) {
  private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]*");

  /**
   * Validates the code's form, and scrubs message and remediation with {@link Scrubber#standard()}: a destination's
   * message often echoes the request, and no secret or raw e-mail/phone may reach logs, output or the journal.
   */
  public Diagnosis {
    Objects.requireNonNull(code, "code");
    message = Scrubber.standard().scrub(Objects.requireNonNull(message, "message"));
    remediation = Scrubber.standard().scrub(Objects.requireNonNull(remediation, "remediation"));
    if (!CODE.matcher(code).matches()) {
      throw new IllegalArgumentException("diagnosis code must be UPPER_SNAKE_CASE: " + code);
    }
  }

  /** {@code CODE: message. Fix: remediation}. */
  @Override
  public String toString() {
    return code + ": " + message + (remediation.isEmpty() ? "" : ". Fix: " + remediation);
  }
}
