package io.leadrouter.https;

import io.leadrouter.LeadId;
import io.leadrouter.https.internal.SigningKey;
import io.leadrouter.spi.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Signs webhooks per Standard Webhooks: {@code v1,} + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")) for each
 * secret, space-separated, so that receivers keep verifying while a secret is rotated. Thread-safe.
 */
public final class WebhookSigner {
  /** Header carrying the message id (receivers dedupe on it). */
  public static final String ID_HEADER = "webhook-id";
  /** Header carrying the attempt time, Unix seconds. */
  public static final String TIMESTAMP_HEADER = "webhook-timestamp";
  /** Header carrying the space-separated signatures. */
  public static final String SIGNATURE_HEADER = "webhook-signature";

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  // MessageDigest.getInstance walks the security providers on every call (3 % of a delivery thread's samples at one
  // caller); one digest per thread, reset by digest()
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  });

  private final List<SigningKey> keys;

  /**
   * The {@code webhook-id} of a lead: {@code msg_} + the first 128 bits of SHA-256 of its {@code LeadId}, in hex.
   * Standard Webhooks (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
   * "Webhook-id"): the id is the same for every retry of one message, so receivers dedupe on it; ids are signed as
   * "{id}.{timestamp}.{body}", so an id must not contain {@code .}, and senders should not let ids be chosen by
   * users — a {@code LeadId} comes from whoever posted the lead. The lead id itself still travels in the body
   * ({@code LeadId}).
   */
  public static String messageId(LeadId lead) {
    Objects.requireNonNull(lead, "lead");
    byte[] hash = SHA256.get().digest(lead.value().getBytes(StandardCharsets.UTF_8));
    StringBuilder id = new StringBuilder("msg_");
    for (int i = 0; i < 16; i++) {
      id.append(HEX[(hash[i] >> 4) & 0xf]).append(HEX[hash[i] & 0xf]);
    }
    return id.toString();
  }

  private WebhookSigner(List<SigningKey> keys) {
    this.keys = keys;
  }

  /**
   * A signer with these secrets ({@code whsec_} + base64 of 24 to 64 random bytes), the current one first.
   *
   * @throws IllegalArgumentException naming which secret is malformed (never its value)
   */
  public static WebhookSigner of(List<Secret> secrets) {
    Objects.requireNonNull(secrets, "secrets");
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("at least one signing secret is required");
    }
    List<SigningKey> keys = new ArrayList<>(secrets.size());
    for (int i = 0; i < secrets.size(); i++) {
      try {
        keys.add(SigningKey.decode(secrets.get(i), SigningKey.MIN_SENDER_BYTES, SigningKey.MAX_SENDER_BYTES));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(describe(i, secrets.size()) + " " + e.getMessage(), e);
      }
    }
    return new WebhookSigner(List.copyOf(keys));
  }

  /** A signer with one secret. */
  public static WebhookSigner of(Secret secret) {
    return of(List.of(Objects.requireNonNull(secret, "secret")));
  }

  /** The {@code webhook-signature} value for this message: one {@code v1,...} per secret, space-separated. */
  public String sign(String id, long timestamp, byte[] body) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(body, "body");
    String ts = Long.toString(timestamp);
    StringBuilder out = new StringBuilder(keys.size() * 48);
    for (SigningKey key : keys) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(key.signature(id, ts, body));
    }
    return out.toString();
  }

  /** How many secrets sign each message. */
  public int secretCount() {
    return keys.size();
  }

  static String describe(int index, int count) {
    return count == 1 ? "the secret" : "secret " + (index + 1) + " of " + count;
  }

  /** Shows how many secrets sign, never the secrets. */
  @Override
  public String toString() {
    return "WebhookSigner[" + keys.size() + " secret(s)]";
  }
}
