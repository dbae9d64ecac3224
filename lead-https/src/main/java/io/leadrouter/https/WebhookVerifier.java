package io.leadrouter.https;

import io.leadrouter.https.WebhookVerificationException.Reason;
import io.leadrouter.https.internal.HeaderMaps;
import io.leadrouter.https.internal.SigningKey;
import io.leadrouter.spi.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks inbound Standard Webhooks signatures: the three headers present, the timestamp within the tolerance
 * (5 minutes by default, in both directions) and at least one {@code v1} signature in {@code webhook-signature}
 * matching one of the configured secrets (several during rotation), compared in constant time. Verify the body
 * exactly as received: re-serialised JSON no longer matches. Thread-safe.
 */
public final class WebhookVerifier {
  /** The spec's replay window. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  private final List<SigningKey> keys;
  private final Duration tolerance;
  private final Clock clock;

  private WebhookVerifier(List<SigningKey> keys, Duration tolerance, Clock clock) {
    this.keys = keys;
    this.tolerance = tolerance;
    this.clock = clock;
  }

  /** A builder; add at least one secret. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Verifies a webhook given its body bytes as received and its headers (names in any case; a repeated
   * {@code webhook-signature} header counts as one space-separated list).
   *
   * @throws WebhookVerificationException saying which check failed and why
   */
  public VerifiedWebhook verify(byte[] body, Map<String, List<String>> headers) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(headers, "headers");
    String id = required(headers, WebhookSigner.ID_HEADER);
    String timestamp = required(headers, WebhookSigner.TIMESTAMP_HEADER);
    required(headers, WebhookSigner.SIGNATURE_HEADER);
    String signatures = String.join(" ", HeaderMaps.values(headers, WebhookSigner.SIGNATURE_HEADER));
    return verify(id, timestamp, signatures, body);
  }

  /** Verifies a webhook given the three header values and the body bytes as received. */
  public VerifiedWebhook verify(String id, String timestamp, String signatures, byte[] body) {
    Objects.requireNonNull(body, "body");
    present(id, WebhookSigner.ID_HEADER);
    present(timestamp, WebhookSigner.TIMESTAMP_HEADER);
    present(signatures, WebhookSigner.SIGNATURE_HEADER);
    Instant sent = checkTime(timestamp.strip());
    int candidates = 0;
    for (String entry : signatures.strip().split("\\s+")) {
      int comma = entry.indexOf(',');
      if (comma < 0 || !entry.substring(0, comma).equals("v1")) {
        continue; // another scheme (v1a) or not a signature: the spec says to try the next one
      }
      candidates++;
      byte[] mac;
      try {
        mac = Base64.getDecoder().decode(entry.substring(comma + 1));
      } catch (IllegalArgumentException e) {
        continue;
      }
      for (SigningKey key : keys) {
        if (key.matches(mac, id.strip(), timestamp.strip(), body)) {
          return new VerifiedWebhook(id.strip(), sent);
        }
      }
    }
    throw new WebhookVerificationException(Reason.NO_MATCHING_SIGNATURE, "no signature in "
        + WebhookSigner.SIGNATURE_HEADER + " matches: checked " + candidates + " v1 signature(s) against "
        + keys.size() + " secret(s); check that this receiver has the sender's signing secret and verifies the body"
        + " byte for byte as received");
  }

  private Instant checkTime(String timestamp) {
    long seconds;
    try {
      if (!timestamp.chars().allMatch(Character::isDigit)) {
        throw new NumberFormatException();
      }
      seconds = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      throw new WebhookVerificationException(Reason.BAD_TIMESTAMP, WebhookSigner.TIMESTAMP_HEADER + " '"
          + abbreviate(timestamp) + "' is not a Unix time in whole seconds");
    }
    long now = clock.instant().getEpochSecond();
    long limit = tolerance.toSeconds();
    if (now - seconds > limit) {
      throw new WebhookVerificationException(Reason.TOO_OLD, WebhookSigner.TIMESTAMP_HEADER + " " + seconds + " is "
          + (now - seconds) + " s in the past, beyond the " + limit + " s tolerance: a replayed or long-delayed"
          + " message, or the sender's clock is wrong");
    }
    if (seconds - now > limit) {
      throw new WebhookVerificationException(Reason.TOO_NEW, WebhookSigner.TIMESTAMP_HEADER + " " + seconds + " is "
          + (seconds - now) + " s in the future, beyond the " + limit + " s tolerance: the sender's clock is wrong");
    }
    return Instant.ofEpochSecond(seconds);
  }

  private static String required(Map<String, List<String>> headers, String name) {
    return HeaderMaps.first(headers, name).orElseThrow(() -> missing(name));
  }

  private static void present(String value, String name) {
    if (value == null || value.isBlank()) {
      throw missing(name);
    }
  }

  private static WebhookVerificationException missing(String name) {
    return new WebhookVerificationException(Reason.MISSING_HEADER, name + " header is missing: the sender must sign"
        + " per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)");
  }

  private static String abbreviate(String s) {
    String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }

  /** Shows the settings, never the secrets. */
  @Override
  public String toString() {
    return "WebhookVerifier[" + keys.size() + " secret(s), tolerance " + tolerance + "]";
  }

  /** Builds a {@link WebhookVerifier}. */
  public static final class Builder {
    private final List<Secret> secrets = new ArrayList<>();
    private Duration tolerance = DEFAULT_TOLERANCE;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Adds a secret a valid signature may be made with ({@code whsec_} + base64; the prefix optional). */
    public Builder secret(Secret secret) {
      secrets.add(Objects.requireNonNull(secret, "secret"));
      return this;
    }

    /** Adds several secrets (rotation: the new and the old one). */
    public Builder secrets(List<Secret> secrets) {
      Objects.requireNonNull(secrets, "secrets").forEach(this::secret);
      return this;
    }

    /** How far the timestamp may be from now, either way; 5 minutes by default. */
    public Builder tolerance(Duration tolerance) {
      Objects.requireNonNull(tolerance, "tolerance");
      if (tolerance.isNegative()) {
        throw new IllegalArgumentException("tolerance must not be negative: " + tolerance);
      }
      this.tolerance = tolerance;
      return this;
    }

    /** The clock the timestamp is compared with; the system UTC clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @throws IllegalArgumentException if no secret was added or one is not base64 (naming which, never its value)
     */
    public WebhookVerifier build() {
      if (secrets.isEmpty()) {
        throw new IllegalArgumentException("at least one secret is required to verify webhooks");
      }
      List<SigningKey> keys = new ArrayList<>(secrets.size());
      for (int i = 0; i < secrets.size(); i++) {
        try {
          // a sender's key may be shorter than the spec's 24 bytes: accept what it actually uses
          keys.add(SigningKey.decode(secrets.get(i), 1, Integer.MAX_VALUE));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(WebhookSigner.describe(i, secrets.size()) + " " + e.getMessage(), e);
        }
      }
      return new WebhookVerifier(List.copyOf(keys), tolerance, clock);
    }
  }
}
