package io.leadrouter.https.internal;

import io.leadrouter.spi.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One Standard Webhooks symmetric key ({@code whsec_} + base64, the prefix optional), decoded once. Computes the
 * {@code v1} HMAC-SHA256 over {@code {id}.{timestamp}.{body}}. Never shows the key.
 */
public final class SigningKey {
  /** The prefix Standard Webhooks puts before a base64 symmetric secret. */
  public static final String PREFIX = "whsec_";
  /** Fewest key bytes the spec allows for a sender's key (192 bits). */
  public static final int MIN_SENDER_BYTES = 24;
  /** Most key bytes the spec allows (512 bits). */
  public static final int MAX_SENDER_BYTES = 64;
  private static final String HMAC = "HmacSHA256";

  private final SecretKeySpec key;
  // Mac.getInstance walks the provider list on every call (a measurable share of a delivery thread's samples in a
  // profile of the HTTPS sink at 64 in flight); one initialised Mac per thread is reused, doFinal resets it
  private final ThreadLocal<Mac> macs;

  /**
   * The key in the other forms a receiver that verifies with it may echo (its Base64 without the prefix, the bytes
   * in hex and in URL-safe Base64), held as secrets while the key is in use so that the Scrubber removes them.
   */
  @SuppressWarnings("unused")
  private final List<Secret> echoForms;

  private SigningKey(byte[] key, String base64) {
    this.key = new SecretKeySpec(key, HMAC);
    this.macs = ThreadLocal.withInitial(this::newMac);
    this.echoForms = List.of(Secret.of(base64), Secret.of(java.util.HexFormat.of().formatHex(key)),
        Secret.of(Base64.getUrlEncoder().withoutPadding().encodeToString(key)));
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
    }
  }

  /**
   * Decodes a secret whose decoded length lies within {@code [minBytes, maxBytes]}.
   *
   * @throws IllegalArgumentException saying what is wrong, never showing the value
   */
  public static SigningKey decode(Secret secret, int minBytes, int maxBytes) {
    Objects.requireNonNull(secret, "secret");
    String text = secret.reveal().strip();
    if (text.startsWith(PREFIX)) {
      text = text.substring(PREFIX.length());
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException("is empty: give the whsec_... secret the sender signs with");
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      // the JDK's message names the offending character: not repeated, it is part of the secret
      throw new IllegalArgumentException("is not whsec_ followed by base64 (A-Z a-z 0-9 + / and = padding only): "
          + "copy the whole secret again, without spaces, quotes or line breaks");
    }
    if (bytes.length < Math.max(1, minBytes) || bytes.length > maxBytes) {
      String range = maxBytes == Integer.MAX_VALUE ? "at least " + Math.max(1, minBytes)
          : minBytes + " to " + maxBytes;
      throw new IllegalArgumentException("decodes to " + bytes.length + " bytes; Standard Webhooks keys are "
          + range + " random bytes");
    }
    return new SigningKey(bytes, text);
  }

  /** The raw HMAC-SHA256 of {@code {id}.{timestamp}.{body}}. */
  public byte[] mac(String id, String timestamp, byte[] body) {
    Mac mac = macs.get();
    mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    return mac.doFinal(body);
  }

  /** The header form {@code v1,<base64 mac>}. */
  public String signature(String id, String timestamp, byte[] body) {
    return "v1," + Base64.getEncoder().encodeToString(mac(id, timestamp, body));
  }

  /** Whether {@code candidate} is this key's MAC of the content, compared in constant time. */
  public boolean matches(byte[] candidate, String id, String timestamp, byte[] body) {
    return MessageDigest.isEqual(mac(id, timestamp, body), candidate);
  }

  /** Always redacted. */
  @Override
  public String toString() {
    return "SigningKey[******]";
  }
}
