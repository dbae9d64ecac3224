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

  /** Validates the code's form. */
  public Diagnosis {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(remediation, "remediation");
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
