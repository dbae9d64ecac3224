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
   * What would break a log line or reorder how it reads: control characters (C0 with CR, LF and tab, DEL, C1 with
   * NEL), the Unicode line and paragraph separators, and the bidirectional embeddings, overrides and isolates.
   */
  private static final Pattern LINE_BREAKING = Pattern.compile("[\\p{Cc}\\p{Zl}\\p{Zp}\\u202A-\\u202E\\u2066-\\u2069]+");

  /**
   * Validates the code's form, and scrubs message and remediation with {@link Scrubber#standard()}: a destination's
   * message often echoes the request, and no secret or raw e-mail/phone may reach logs, output or the journal. Both
   * are made one line ({@link #oneLine}): a destination's text with a line break in any spelling would otherwise
   * forge a log line.
   */
  public Diagnosis {
    Objects.requireNonNull(code, "code");
    message = oneLine(Scrubber.standard().scrub(Objects.requireNonNull(message, "message")));
    remediation = oneLine(Scrubber.standard().scrub(Objects.requireNonNull(remediation, "remediation")));
    if (!CODE.matcher(code).matches()) {
      throw new IllegalArgumentException("diagnosis code must be UPPER_SNAKE_CASE: " + code);
    }
  }

  /**
   * The ending of the codes of failures that leave a delivery's outcome unknown: the request went out, its answer was
   * lost, and the destination can neither be asked nor deduplicate (e.g. {@code SALESFORCE_WEB_TO_LEAD_OUTCOME_UNKNOWN}).
   * A sink dead-letters such a lead rather than sending it again; replaying it may deliver it twice.
   */
  public static final String OUTCOME_UNKNOWN_SUFFIX = "_OUTCOME_UNKNOWN";

  /**
   * Whether this failure left the outcome unknown (its code ends with {@link #OUTCOME_UNKNOWN_SUFFIX}): the
   * destination may hold the lead already. {@code leadrouter replay} leaves such dead letters alone unless its
   * {@code --code} names them.
   */
  public boolean outcomeUnknown() {
    return code.endsWith(OUTCOME_UNKNOWN_SUFFIX);
  }

  /**
   * The text on one line: each run of control characters, Unicode line or paragraph separators and bidirectional
   * controls becomes one space. Scrubbed first, so a secret wrapped over lines is still found.
   */
  static String oneLine(String text) {
    return text == null ? null : LINE_BREAKING.matcher(text).replaceAll(" ");
  }

  /** {@code CODE: message. Fix: remediation}. */
  @Override
  public String toString() {
    return code + ": " + message + (remediation.isEmpty() ? "" : ". Fix: " + remediation);
  }
}
