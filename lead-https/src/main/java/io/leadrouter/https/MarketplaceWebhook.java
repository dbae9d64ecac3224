package io.leadrouter.https;

import io.leadrouter.CustomerInfo;
import io.leadrouter.InvalidLeadException;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.ReadResult;
import io.leadrouter.https.internal.HeaderMaps;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads the lead the marketplace (or another LeadRouter's {@code https} sink) POSTs to a service, so the service
 * can route it on: the body in the marketplace's JSON shape (keys in any case), bounded in size. The lead's
 * {@link LeadId} is the body's {@code LeadId} (another LeadRouter sends it; its {@code webhook-id} is a hash of it);
 * without one, the Standard Webhooks {@code webhook-id} (the same on every retry), else one derived from the body,
 * so a redelivered post is the same lead. With a {@link WebhookVerifier} configured, the signature is checked
 * first. Thread-safe.
 */
public final class MarketplaceWebhook {
  /** Default largest body: 256 KiB, far above a real lead (a few KiB) yet small enough to hold in memory. */
  public static final int DEFAULT_MAX_BODY_BYTES = 256 * 1024;
  private static final MarketplaceWebhook DEFAULT = builder().build();

  private final int maxBodyBytes;
  private final MarketplaceCodec codec;
  private final Optional<WebhookVerifier> verifier;
  private final Clock clock;

  private MarketplaceWebhook(Builder b) {
    this.maxBodyBytes = b.maxBodyBytes;
    this.codec = MarketplaceCodec.withMaxBodyBytes(b.maxBodyBytes);
    this.verifier = Optional.ofNullable(b.verifier);
    this.clock = b.clock;
  }

  /**
   * Parses a post with the defaults (256 KiB limit, no signature check).
   *
   * @throws InvalidLeadException naming the field at fault: too large, empty, not JSON, not a lead
   */
  public static Lead parse(byte[] body, Map<String, List<String>> headers) {
    return DEFAULT.read(body, headers);
  }

  /** A builder for a reader with its own size limit, signature check or clock. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads a post given its body bytes and headers.
   *
   * @throws InvalidLeadException naming the field at fault: too large, empty, not JSON, not a lead
   * @throws WebhookVerificationException when a verifier is configured and the signature does not check out
   */
  public Lead read(byte[] body, Map<String, List<String>> headers) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(headers, "headers");
    if (body.length > maxBodyBytes) {
      throw tooLarge(body.length + " bytes, over");
    }
    if (body.length == 0) {
      throw new InvalidLeadException("body", "is empty", "post the marketplace's lead JSON object");
    }
    verifier.ifPresent(v -> v.verify(body, headers));
    Optional<LeadId> webhookId = HeaderMaps.first(headers, WebhookSigner.ID_HEADER).map(MarketplaceWebhook::leadId);
    Lead lead = codec.fromJson(body, webhookId.orElseGet(() -> MarketplaceCodec.derivedId(body)), clock.instant());
    if (lead.customer().equals(CustomerInfo.EMPTY) && lead.source().raw().isEmpty()) {
      throw new InvalidLeadException("UserDetails", "is missing, and so is LeadSource: this is not a marketplace lead",
          "post {\"UserDetails\":{...},\"LeadSource\":\"...\",...} as the marketplace does");
    }
    return lead;
  }

  /**
   * Reads a post strictly, for a receiver that keeps what it cannot read: the lead (normalised, flagged), or why the
   * body cannot be read unambiguously (to be quarantined) or is no lead at all (empty, not JSON, over the limit: to be
   * refused). The signature is checked first when a verifier is configured. A body that is not UTF-8 is read in the
   * charset its {@code Content-Type} declares, if any ({@link MarketplaceCodec#read(byte[], java.nio.charset.Charset,
   * LeadId, java.time.Instant)}).
   *
   * @throws WebhookVerificationException when a verifier is configured and the signature does not check out
   */
  public ReadResult receive(byte[] body, Map<String, List<String>> headers) {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(headers, "headers");
    if (body.length <= maxBodyBytes) {
      verifier.ifPresent(v -> v.verify(body, headers));
    }
    Optional<String> header = HeaderMaps.first(headers, WebhookSigner.ID_HEADER);
    Optional<LeadId> webhookId = Optional.empty();
    if (header.isPresent()) {
      try {
        webhookId = Optional.of(LeadId.of(header.get()));
      } catch (InvalidLeadException e) {
        // the body is still read; its id is then derived from its bytes
      }
    }
    // the body's LeadId wins (another LeadRouter's webhook-id is a hash of it); webhook-id names a lead without one
    LeadId id = webhookId.orElseGet(() -> MarketplaceCodec.derivedId(body));
    // a body that is not UTF-8 but whose request declares its charset (windows-1252, ISO-8859-1) is read as declared
    return HeaderMaps.first(headers, "Content-Type").flatMap(MarketplaceCodec::declaredCharset)
        .map(c -> codec.read(body, c, id, clock.instant())).orElseGet(() -> codec.read(body, id, clock.instant()));
  }

  /**
   * Reads a post from a stream (e.g. a servlet request), reading at most one byte past the limit.
   *
   * @throws IOException if the stream fails
   */
  public Lead read(InputStream body, Map<String, List<String>> headers) throws IOException {
    Objects.requireNonNull(body, "body");
    byte[] bytes = body.readNBytes(maxBodyBytes + 1);
    if (bytes.length > maxBodyBytes) {
      throw tooLarge("over");
    }
    return read(bytes, headers);
  }

  /** The largest body accepted. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  private InvalidLeadException tooLarge(String size) {
    return new InvalidLeadException("body", "is " + size + " the limit of " + maxBodyBytes + " bytes",
        "a marketplace lead is a few KiB: check what is being sent");
  }

  private static LeadId leadId(String webhookId) {
    try {
      return LeadId.of(webhookId);
    } catch (InvalidLeadException e) {
      throw new InvalidLeadException(WebhookSigner.ID_HEADER, e.problems().get(0).message(),
          e.problems().get(0).fix());
    }
  }

  /** Builds a {@link MarketplaceWebhook}. */
  public static final class Builder {
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private WebhookVerifier verifier;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * The largest body accepted, in bytes: 1 to {@link MarketplaceCodec#DEFAULT_MAX_BODY_BYTES} (1 MiB, the largest
     * lead the codec reads and the router keeps in quarantine whole).
     */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be positive: " + maxBodyBytes);
      }
      if (maxBodyBytes > MarketplaceCodec.DEFAULT_MAX_BODY_BYTES) {
        // Integer.MAX_VALUE overflowed the one-byte-past read of a stream; and a quarantined body is kept up to 1 MiB
        throw new IllegalArgumentException("maxBodyBytes must be <= " + MarketplaceCodec.DEFAULT_MAX_BODY_BYTES
            + " (the largest lead the codec reads; a marketplace lead is a few KiB): " + maxBodyBytes);
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** Checks every post's Standard Webhooks signature with this verifier before reading it. */
    public Builder verifier(WebhookVerifier verifier) {
      this.verifier = Objects.requireNonNull(verifier, "verifier");
      return this;
    }

    /** The clock giving a lead's creation time when the body carries none; system UTC by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Builds the reader. */
    public MarketplaceWebhook build() {
      return new MarketplaceWebhook(this);
    }
  }
}
