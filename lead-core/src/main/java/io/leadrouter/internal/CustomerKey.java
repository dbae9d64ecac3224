package io.leadrouter.internal;

import io.leadrouter.Lead;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The business key deliveries of one customer share (one customer at a time per destination): the lead's e-mail,
 * trimmed and lower-cased, or its {@code LeadId} when it has no e-mail. The journal keeps only a hash of it, so no
 * e-mail is copied into the delivery table. Not API.
 */
public final class CustomerKey {
  private CustomerKey() {}

  /** The key of a lead: {@code email:<normalised e-mail>}, or {@code id:<LeadId>} for an anonymous lead. */
  public static String of(Lead lead) {
    String email = lead.customer().email().strip();
    return email.isEmpty() ? "id:" + lead.id().value() : "email:" + email.toLowerCase(Locale.ROOT);
  }

  /** What the journal stores: the first 128 bits of the key's SHA-256, Base64 (22 characters, no PII). */
  public static String hashed(Lead lead) {
    byte[] h = Sha256.digest(of(lead).getBytes(StandardCharsets.UTF_8));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(h, 16));
  }
}
