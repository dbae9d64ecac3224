package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.https.WebhookVerificationException.Reason;
import io.leadrouter.spi.Secret;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Signing and verification against the Standard Webhooks project's published test vector and scenarios:
 * github.com/standard-webhooks/standard-webhooks, libraries/java/src/test/java/com/standardwebhooks/TestScenario.java
 * (commit b2fa7b8, {@code validSigned()}, {@code withMultipleSignatures()}, {@code withWrongVersion()} ...); the same
 * vector appears in libraries/go/webhook_test.go and libraries/javascript/src/webhook.test.ts.
 */
class WebhookVectorsTest {
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final String MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  static final long TIMESTAMP = 1614265330L;
  static final byte[] PAYLOAD = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  /** A well-formed signature that matches nothing, from {@code withMultipleSignatures()}. */
  static final String OTHER = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

  private static final Clock AT_VECTOR = Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC);

  /** A verifier of the vector's secret whose clock reads {@code seconds} after the vector's time (before if negative). */
  private static WebhookVerifier verifierSecondsLater(long seconds) {
    return WebhookVerifier.builder().secret(Secret.of(SECRET))
        .clock(Clock.offset(AT_VECTOR, java.time.Duration.ofSeconds(seconds))).build();
  }

  private static WebhookVerifier verifier(String... secrets) {
    WebhookVerifier.Builder b = WebhookVerifier.builder().clock(AT_VECTOR);
    for (String s : secrets) {
      b.secret(Secret.of(s));
    }
    return b.build();
  }

  private static Map<String, List<String>> headers(String id, String timestamp, String signature) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    if (id != null) {
      h.put("webhook-id", List.of(id));
    }
    if (timestamp != null) {
      h.put("webhook-timestamp", List.of(timestamp));
    }
    if (signature != null) {
      h.put("webhook-signature", List.of(signature));
    }
    return h;
  }

  @Test
  void sign_publishedVector_matchesPublishedSignature() {
    assertThat(WebhookSigner.of(Secret.of(SECRET)).sign(MSG_ID, TIMESTAMP, PAYLOAD)).isEqualTo(SIGNATURE);
  }

  @Test
  void sign_secretWithoutPrefix_matchesPublishedSignature() {
    assertThat(WebhookSigner.of(Secret.of("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).sign(MSG_ID, TIMESTAMP, PAYLOAD))
        .isEqualTo(SIGNATURE);
  }

  @Test
  void sign_twoSecrets_givesBothSignaturesSpaceSeparatedCurrentFirst() {
    String other = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    String header = WebhookSigner.of(List.of(Secret.of(other), Secret.of(SECRET))).sign(MSG_ID, TIMESTAMP, PAYLOAD);
    String[] parts = header.split(" ");
    assertThat(parts).hasSize(2);
    assertThat(parts[1]).isEqualTo(SIGNATURE);
    assertThat(verifier(other).verify(MSG_ID, Long.toString(TIMESTAMP), parts[0], PAYLOAD).id()).isEqualTo(MSG_ID);
  }

  @Test
  void verify_publishedVector_passesWithIdAndTime() {
    VerifiedWebhook v = verifier(SECRET).verify(PAYLOAD, headers(MSG_ID, "1614265330", SIGNATURE));
    assertThat(v).isEqualTo(new VerifiedWebhook(MSG_ID, Instant.ofEpochSecond(TIMESTAMP)));
  }

  @Test
  void verify_multipleSignaturesOneValid_passes() {
    String sigs = String.join(" ", "v1," + OTHER, "v2," + OTHER, SIGNATURE, "v1," + OTHER);
    assertThat(verifier(SECRET).verify(PAYLOAD, headers(MSG_ID, "1614265330", sigs)).id()).isEqualTo(MSG_ID);
  }

  @Test
  void verify_rotationSecondSecretMatches_passes() {
    String fresh = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[24]);
    assertThat(verifier(fresh, SECRET).verify(PAYLOAD, headers(MSG_ID, "1614265330", SIGNATURE)).id())
        .isEqualTo(MSG_ID);
  }

  @Test
  void verify_mixedCaseHeaderNames_passes() {
    Map<String, List<String>> h = Map.of("Webhook-Id", List.of(MSG_ID), "WEBHOOK-TIMESTAMP", List.of("1614265330"),
        "webhook-SIGNATURE", List.of(SIGNATURE));
    assertThat(verifier(SECRET).verify(PAYLOAD, h).id()).isEqualTo(MSG_ID);
  }

  @Test
  void verify_signaturesSplitOverRepeatedHeaders_passes() {
    Map<String, List<String>> h = headers(MSG_ID, "1614265330", null);
    h.put("webhook-signature", List.of("v1," + OTHER, SIGNATURE));
    assertThat(verifier(SECRET).verify(PAYLOAD, h).id()).isEqualTo(MSG_ID);
  }

  @Test
  void verify_missingId_failsNamingHeader() {
    assertThatThrownBy(() -> verifier(SECRET).verify(PAYLOAD, headers(null, "1614265330", SIGNATURE)))
        .isInstanceOf(WebhookVerificationException.class)
        .hasMessage("webhook-id header is missing: the sender must sign per Standard Webhooks (webhook-id,"
            + " webhook-timestamp, webhook-signature)")
        .extracting(e -> ((WebhookVerificationException) e).reason()).isEqualTo(Reason.MISSING_HEADER);
  }

  @Test
  void verify_missingTimestamp_failsNamingHeader() {
    assertThatThrownBy(() -> verifier(SECRET).verify(PAYLOAD, headers(MSG_ID, null, SIGNATURE)))
        .hasMessageStartingWith("webhook-timestamp header is missing")
        .extracting(e -> ((WebhookVerificationException) e).reason()).isEqualTo(Reason.MISSING_HEADER);
  }

  @Test
  void verify_missingSignature_failsNamingHeader() {
    assertThatThrownBy(() -> verifier(SECRET).verify(PAYLOAD, headers(MSG_ID, "1614265330", " ")))
        .hasMessageStartingWith("webhook-signature header is missing")
        .extracting(e -> ((WebhookVerificationException) e).reason()).isEqualTo(Reason.MISSING_HEADER);
  }

  @Test
  void verify_timestampNotANumber_failsBadTimestamp() {
    assertThatThrownBy(() -> verifier(SECRET).verify(PAYLOAD, headers(MSG_ID, "2021-02-25T15:02:10Z", SIGNATURE)))
        .hasMessageStartingWith("webhook-timestamp '2021-02-25T15:02:10Z' is not a Unix time in whole seconds: ")
        .extracting(e -> ((WebhookVerificationException) e).reason()).isEqualTo(Reason.BAD_TIMESTAMP);
  }

  @Test
  void verify_timestampJustOverFiveMinutesOld_failsTooOld() {
    assertThatThrownBy(() -> verifierSecondsLater(301).verify(PAYLOAD, headers(MSG_ID, "1614265330", SIGNATURE)))
        .hasMessage("webhook-timestamp 1614265330 is 301 s in the past, beyond the 300 s tolerance: a replayed or"
            + " long-delayed message, or the sender's clock is wrong")
        .extracting(e -> ((WebhookVerificationException) e).reason()).isEqualTo(Reason.TOO_OLD);
  }

  @Test
  void verify_timestampExactlyFiveMinutesAway_passesBothWays() {
    for (long offset : new long[] {300, -300}) {
      assertThat(verifierSecondsLater(offset).verify(PAYLOAD, headers(MSG_ID, "1614265330", SIGNATURE)).id())
          .isEqualTo(MSG_ID);
    }
  }

  @Test
  void verify_timestampJustOverFiveMinutesAhead_failsTooNew() {
    assertThatThrownBy(() -> verifierSecondsLater(-301).verify(PAYLOAD, headers(MSG_ID, "1614265330", SIGNATURE)))
        .hasMessage("webhook-timestamp 1614265330 is 301 s in the future, beyond the 300 s tolerance: the sender's"
            + " clock is wrong")
        .extracting(e -> ((WebhookVerificationException) e).reason()).isEqualTo(Reason.TOO_NEW);
  }

  @Test
  void verify_wrongVersionOnly_failsNoMatchingSignature() {
    assertThatThrownBy(() -> verifier(SECRET).verify(PAYLOAD,
        headers(MSG_ID, "1614265330", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")))
        .hasMessage("no signature in webhook-signature matches: checked 0 v1 signature(s) against 1 secret(s); check"
            + " that this receiver has the sender's signing secret and verifies the body byte for byte as received")
        .extracting(e -> ((WebhookVerificationException) e).reason()).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void verify_malformedSignatures_failNoMatchingSignature() {
    for (String bad : List.of("invalid_signature", "v1,invalid_signature", "v1,")) {
      assertThatThrownBy(() -> verifier(SECRET).verify(PAYLOAD, headers(MSG_ID, "1614265330", bad)))
          .extracting(e -> ((WebhookVerificationException) e).reason()).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
    }
  }

  @Test
  void verify_bodyChangedByOneByte_failsNoMatchingSignature() {
    byte[] tampered = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> verifier(SECRET).verify(tampered, headers(MSG_ID, "1614265330", SIGNATURE)))
        .hasMessageStartingWith("no signature in webhook-signature matches: checked 1 v1 signature(s)");
  }

  @Test
  void verify_wrongSecret_failsNoMatchingSignature() {
    String other = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    assertThatThrownBy(() -> verifier(other).verify(PAYLOAD, headers(MSG_ID, "1614265330", SIGNATURE)))
        .extracting(e -> ((WebhookVerificationException) e).reason()).isEqualTo(Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void signer_malformedOrShortSecret_refusedWithoutShowingIt() {
    assertThatThrownBy(() -> WebhookSigner.of(Secret.of("whsec_not base64!!")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("the secret is not whsec_ followed by base64");
    assertThatThrownBy(() -> WebhookSigner.of(List.of(Secret.of(SECRET), Secret.of("whsec_c2hvcnQ="))))
        .hasMessage("secret 2 of 2 decodes to 5 bytes; Standard Webhooks keys are 24 to 64 random bytes");
  }

  @Test
  void verifier_toString_showsNoSecret() {
    assertThat(verifier(SECRET).toString()).isEqualTo("WebhookVerifier[1 secret(s), tolerance PT5M]")
        .doesNotContain("MfKQ");
  }

  /**
   * Standard Webhooks, "Webhook-id": the same for every retry of a message, never containing {@code .} (ids are
   * signed as "{id}.{timestamp}.{body}"), and not chosen by users: {@code msg_} + a hash of the LeadId.
   */
  @Test
  void messageId_isStableHashedAndFreeOfDots() {
    io.leadrouter.LeadId dotted = io.leadrouter.LeadId.of("a.b.c");
    String id = WebhookSigner.messageId(dotted);
    assertThat(id).matches("msg_[0-9a-f]{32}").isEqualTo(WebhookSigner.messageId(io.leadrouter.LeadId.of("a.b.c")))
        .isNotEqualTo(WebhookSigner.messageId(io.leadrouter.LeadId.of("a.b.d")));
    // SHA-256("a.b.c") starts with these 16 bytes
    assertThat(id).isEqualTo("msg_" + sha256Hex("a.b.c").substring(0, 32));
  }

  private static String sha256Hex(String s) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(h);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
