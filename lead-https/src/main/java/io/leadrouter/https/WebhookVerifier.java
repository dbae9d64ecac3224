package io.leadrouter.https;

import io.leadrouter.https.WebhookVerificationException.Reason;
import io.leadrouter.https.internal.HeaderMaps;
import io.leadrouter.https.internal.SigningKey;
import io.leadrouter.spi.Secret;
import java.security.MessageDigest;
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
   * {@code webhook-signature} header counts as one space-separated list; {@code webhook-id} or
   * {@code webhook-timestamp} sent twice with different values is refused, since which one was signed cannot be told).
   *
   * @throws WebhookVerificationException saying which check failed and why
   */
  public VerifiedWebhook verify(byte[] body, Map<String, List<String>> headers) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(headers, "headers");
    String id = single(headers, WebhookSigner.ID_HEADER);
    String timestamp = single(headers, WebhookSigner.TIMESTAMP_HEADER);
    List<String> signatures = HeaderMaps.values(headers, WebhookSigner.SIGNATURE_HEADER);
    if (signatures.isEmpty()) {
      throw missing(WebhookSigner.SIGNATURE_HEADER);
    }
    return verify(id, timestamp, String.join(" ", signatures), body);
  }

  /** Verifies a webhook given the three header values and the body bytes as received. */
  public VerifiedWebhook verify(String id, String timestamp, String signatures, byte[] body) {
    Objects.requireNonNull(body, "body");
    present(id, WebhookSigner.ID_HEADER);
    present(timestamp, WebhookSigner.TIMESTAMP_HEADER);
    present(signatures, WebhookSigner.SIGNATURE_HEADER);
    Instant sent = checkTime(timestamp.strip());
    List<byte[]> candidates = new ArrayList<>();
    int v1 = 0;
    for (String entry : signatures.strip().split("\\s+")) {
      int comma = entry.indexOf(',');
      if (comma < 0 || !entry.substring(0, comma).equals("v1")) {
        continue; // another scheme (v1a) or not a signature: the spec says to try the next one
      }
      v1++;
      String signature = entry.substring(comma + 1);
      // a proxy may join repeated header lines with ", " (RFC 9110 section 5.3): base64 has no comma, so one after a
      // signature is that join, never part of it
      int end = signature.length();
      while (end > 0 && signature.charAt(end - 1) == ',') {
        end--;
      }
      try {
        candidates.add(Base64.getDecoder().decode(signature.substring(0, end)));
      } catch (IllegalArgumentException e) {
        // not base64: matches nothing
      }
    }
    if (!candidates.isEmpty()) {
      // each secret's MAC is computed once, however many signatures the header lists: a header of thousands of
      // signatures costs thousands of constant-time compares, not thousands of HMACs over the body
      for (SigningKey key : keys) {
        byte[] expected = key.mac(id.strip(), timestamp.strip(), body);
        boolean match = false;
        for (byte[] candidate : candidates) {
          match |= MessageDigest.isEqual(expected, candidate);
        }
        if (match) {
          return new VerifiedWebhook(id.strip(), sent);
        }
      }
    }
    throw new WebhookVerificationException(Reason.NO_MATCHING_SIGNATURE, "no signature in "
        + WebhookSigner.SIGNATURE_HEADER + " matches: checked " + v1 + " v1 signature(s) against "
        + keys.size() + " secret(s); check that this receiver has the sender's signing secret and verifies the body"
        + " byte for byte as received");
  }

  private Instant checkTime(String timestamp) {
    // ASCII digits only, as the spec's integer and every reference library (Long.parseLong would also take
    // full-width or Arabic-Indic digits, a '+' or '-'); more than 18 digits is beyond any clock
    boolean digits = !timestamp.isEmpty() && timestamp.length() <= 18
        && timestamp.chars().allMatch(c -> c >= '0' && c <= '9');
    if (!digits) {
      throw new WebhookVerificationException(Reason.BAD_TIMESTAMP, WebhookSigner.TIMESTAMP_HEADER + " '"
          + abbreviate(timestamp) + "' is not a Unix time in whole seconds: the sender must send the seconds since"
          + " 1970-01-01T00:00:00Z as plain digits (0-9, no sign, point or spaces), e.g. 1614265330");
    }
    long seconds = Long.parseLong(timestamp);
    long now = clock.instant().getEpochSecond();
    long limit = tolerance.toSeconds();
    if (now - seconds > limit) {
      throw new WebhookVerificationException(Reason.TOO_OLD, WebhookSigner.TIMESTAMP_HEADER + " " + seconds + " is "
          + (now - seconds) + " s in the past, beyond the " + limit + " s tolerance: a replayed or long-delayed"
          + " message, or the sender's clock is wrong");
    }
    if (seconds - now > limit || seconds > Instant.MAX.getEpochSecond()) {
      // a sender writing milliseconds is a common slip: say so rather than blame its clock
      boolean millis = Math.abs(seconds / 1000 - now) <= Math.max(limit, 1);
      throw new WebhookVerificationException(Reason.TOO_NEW, WebhookSigner.TIMESTAMP_HEADER + " " + seconds + " is "
          + (seconds - now) + " s in the future, beyond the " + limit + " s tolerance: " + (millis
          ? "it looks like milliseconds; the sender must send whole seconds" : "the sender's clock is wrong"));
    }
    return Instant.ofEpochSecond(seconds);
  }

  /** The header's one value: absent is {@code MISSING_HEADER}, several different values {@code AMBIGUOUS_HEADER}. */
  private static String single(Map<String, List<String>> headers, String name) {
    List<String> values = HeaderMaps.values(headers, name);
    if (values.isEmpty()) {
      throw missing(name);
    }
    if (values.stream().distinct().count() > 1) {
      throw new WebhookVerificationException(Reason.AMBIGUOUS_HEADER, name + " header is sent " + values.size()
          + " times with different values, so which one was signed cannot be told: the sender (or a proxy on the"
          + " way) must send it once");
    }
    return values.get(0);
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

    /**
     * Adds a secret a valid signature may be made with ({@code whsec_} + base64; the prefix optional). Several
     * secrets separated by spaces (the rotation form {@code "whsec_new whsec_old"}) count as several.
     */
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
     * Whether {@code text}, split into {@code parts}, reads as one prefixed secret wrapped over lines rather than
     * several: it holds a line break and mixes parts with and without the {@code whsec_} prefix. Taken as secrets of
     * their own, the pieces were wrong keys, and every post was refused as signed with another secret.
     */
    private static boolean wrapped(String text, String[] parts) {
      if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
        return false;
      }
      boolean prefixed = false;
      boolean bare = false;
      for (String part : parts) {
        if (part.startsWith(SigningKey.PREFIX)) {
          prefixed = true;
        } else {
          bare = true;
        }
      }
      return prefixed && bare;
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
      // "whsec_new whsec_old" in one value, as the https sink's signingSecret and serve's --webhook-secret take it
      List<Secret> each = new ArrayList<>();
      for (int i = 0; i < secrets.size(); i++) {
        Secret secret = secrets.get(i);
        String text = secret.reveal().strip();
        if (text.isEmpty() || text.chars().noneMatch(Character::isWhitespace)) {
          each.add(secret);
        } else {
          String[] parts = text.split("\\s+");
          if (wrapped(text, parts)) {
            throw new IllegalArgumentException(WebhookSigner.describe(i, secrets.size())
                + " is broken over several lines: a part after a line break has no whsec_ prefix, as when a base64"
                + " tool wraps a long secret (openssl rand -base64 at 64 characters); join its lines into one. Several"
                + " secrets are separated by spaces, each with its whsec_ prefix");
          }
          for (String part : parts) {
            each.add(Secret.of(part));
          }
        }
      }
      List<SigningKey> keys = new ArrayList<>(each.size());
      for (int i = 0; i < each.size(); i++) {
        try {
          // a sender's key may be shorter than the spec's 24 bytes: accept what it actually uses
          keys.add(SigningKey.decode(each.get(i), 1, Integer.MAX_VALUE));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(WebhookSigner.describe(i, each.size()) + " " + e.getMessage());
        }
      }
      return new WebhookVerifier(List.copyOf(keys), tolerance, clock);
    }
  }
}
