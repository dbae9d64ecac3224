package io.leadrouter;

import java.util.Objects;

/**
 * One thing wrong with a lead or a configuration: where ({@code path}), what, and how to fix it.
 *
 * @param path dotted path of the offending field, e.g. {@code customer.email} or {@code sinks.crm.tenantId}
 * @param message what is wrong
 * @param fix what the user should do about it
 */
public record Problem(String path, String message, String fix) {
  /** Validates that all parts are present. */
  public Problem {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(fix, "fix");
  }

  /** Renders as {@code path: message (fix)}, the form every error message uses. */
  @Override
  public String toString() {
    return fix.isEmpty() ? path + ": " + message : path + ": " + message + " (" + fix + ")";
  }
}
