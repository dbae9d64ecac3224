package io.leadrouter;

import io.leadrouter.internal.MessageScrub;
import io.leadrouter.spi.Scrubber;
import java.util.Objects;

/**
 * One thing wrong with a lead or a configuration: where ({@code path}), what, and how to fix it. A message often
 * quotes the value as the user wrote it, so all three parts are kept scrubbed, whoever built the problem: a password
 * or token ({@code password=}, a URL's user info, an {@code Authorization} value) becomes {@code [redacted]}, an
 * e-mail or phone is masked, and a value shaped like a key or secret (a client secret pasted into the wrong field)
 * is replaced by its length; names, paths, hosts, GUIDs and numbers stay as written.
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
    path = Scrubber.standard().scrub(path);
    message = MessageScrub.scrub(message);
    fix = MessageScrub.scrub(fix);
  }

  /** Renders as {@code path: message (fix)}, the form every error message uses. */
  @Override
  public String toString() {
    return fix.isEmpty() ? path + ": " + message : path + ": " + message + " (" + fix + ")";
  }
}
