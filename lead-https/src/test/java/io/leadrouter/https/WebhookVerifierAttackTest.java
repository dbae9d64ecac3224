package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.https.WebhookVerificationException.Reason;
import io.leadrouter.https.internal.RecentIds;
import io.leadrouter.spi.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.Provider;
import java.security.Security;
import java.security.spec.AlgorithmParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.MacSpi;
import javax.crypto.spec.SecretKeySpec;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile senders against {@link WebhookVerifier}: signature floods, timestamps a lenient parser would take,
 * headers sent twice, secrets pasted in the forms operators really paste them. Vector values from
 * {@link WebhookVectorsTest} (the Standard Webhooks project's published test vector).
 */
class WebhookVerifierAttackTest {
  private static final String SECRET = WebhookVectorsTest.SECRET;
  private static final String SECRET_BASE64 = SECRET.substring("whsec_".length());
  private static final String MSG_ID = WebhookVectorsTest.MSG_ID;
  private static final String TIMESTAMP = Long.toString(WebhookVectorsTest.TIMESTAMP);
  private static final byte[] PAYLOAD = WebhookVectorsTest.PAYLOAD;
  private static final String SIGNATURE = WebhookVectorsTest.SIGNATURE;
  private static final Clock AT_VECTOR = Clock.fixed(Instant.ofEpochSecond(WebhookVectorsTest.TIMESTAMP),
      ZoneOffset.UTC);

  private static WebhookVerifier verifier(String... secrets) {
    WebhookVerifier.Builder b = WebhookVerifier.builder().clock(AT_VECTOR);
    for (String s : secrets) {
      b.secret(Secret.of(s));
    }
    return b.build();
  }

  private static Reason reason(Throwable e) {
    return ((WebhookVerificationException) e).reason();
  }

  /** {@code v1,} + base64(HMAC-SHA256) of exactly these header texts, as a sender would compute it. */
  private static String sign(String id, String timestamp, byte[] body) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256", "SunJCE");
    mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET_BASE64), "HmacSHA256"));
    mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
  }

  // --- signature floods ---

  /**
   * A header listing thousands of well-formed but wrong {@code v1} signatures (one valid at the end) must not cost an
   * HMAC over the body per signature: the MACs are counted by a JCE provider placed first, so no timing is involved.
   */
  @Test
  void verify_thousandsOfSignatures_computesOneMacPerSecretNotPerSignature() throws Exception {
    StringBuilder header = new StringBuilder();
    for (int i = 0; i < 5_000; i++) {
      header.append("v1,").append(WebhookVectorsTest.OTHER).append(' ');
    }
    header.append(SIGNATURE);
    String other = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
    Provider counting = new CountingProvider();
    Security.insertProviderAt(counting, 1);
    try {
      WebhookVerifier verifier = verifier(other, SECRET);
      CountingHmac.FINALS.set(0);
      assertThat(verifier.verify(MSG_ID, TIMESTAMP, header.toString(), PAYLOAD).id()).isEqualTo(MSG_ID);
      assertThat(CountingHmac.FINALS.get()).as("HMACs computed for 5,001 signatures and 2 secrets").isEqualTo(2);

      CountingHmac.FINALS.set(0);
      assertThatThrownBy(() -> verifier.verify(MSG_ID, TIMESTAMP, "v1," + WebhookVectorsTest.OTHER + " "
          + header.toString().replace(SIGNATURE, "v1a," + WebhookVectorsTest.OTHER), PAYLOAD))
          .satisfies(e -> assertThat(reason(e)).isEqualTo(Reason.NO_MATCHING_SIGNATURE))
          .hasMessageStartingWith("no signature in webhook-signature matches: checked 5001 v1 signature(s) against"
              + " 2 secret(s)");
      assertThat(CountingHmac.FINALS.get()).isEqualTo(2);

      CountingHmac.FINALS.set(0);
      assertThatThrownBy(() -> verifier.verify(MSG_ID, TIMESTAMP, "v2,abc v1a,abc garbage", PAYLOAD))
          .satisfies(e -> assertThat(reason(e)).isEqualTo(Reason.NO_MATCHING_SIGNATURE));
      assertThat(CountingHmac.FINALS.get()).as("no v1 signature at all: nothing to compute").isZero();
    } finally {
      Security.removeProvider(counting.getName());
    }
  }

  // --- timestamps ---

  /** A message with this timestamp, signed as sent with the right secret, is refused for {@code reason}. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertRefusedSignedAsSent(WebhookVerifier verifier,
      String timestamp, Reason reason) throws GeneralSecurityException {
    String signature = sign(MSG_ID, timestamp, PAYLOAD);
    return assertThatThrownBy(() -> verifier.verify(MSG_ID, timestamp, signature, PAYLOAD))
        .isInstanceOf(WebhookVerificationException.class)
        .satisfies(e -> assertThat(reason(e)).isEqualTo(reason));
  }

  /** Long.parseLong takes these digits too; the spec's integer and every reference library do not. */
  @ParameterizedTest
  @ValueSource(strings = {"１６１４２６５３３０", "١٦١٤٢٦٥٣٣٠", "+1614265330", "-1614265330", "1614265330.0",
      "1.614265330e9", "0x6037F7F2", "16142 65330", "99999999999999999999999"})
  void verify_timestampNotPlainAsciiDigits_isBadTimestampEvenWhenSignedAsSent(String timestamp) throws Exception {
    assertRefusedSignedAsSent(verifier(SECRET), timestamp, Reason.BAD_TIMESTAMP)
        .hasMessageEndingWith("is not a Unix time in whole seconds: the sender must send the seconds since"
            + " 1970-01-01T00:00:00Z as plain digits (0-9, no sign, point or spaces), e.g. 1614265330");
  }

  @Test
  void verify_timestampWithSurroundingSpaces_isTheTimestamp() {
    // optional whitespace around a header value is not part of it (RFC 9110); the sender signed the digits
    assertThat(verifier(SECRET).verify(MSG_ID, "  " + TIMESTAMP + " ", SIGNATURE, PAYLOAD).timestamp())
        .isEqualTo(Instant.ofEpochSecond(WebhookVectorsTest.TIMESTAMP));
  }

  @Test
  void verify_timestampInMilliseconds_saysSo() throws Exception {
    String millis = TIMESTAMP + "000";
    assertRefusedSignedAsSent(verifier(SECRET), millis, Reason.TOO_NEW)
        .hasMessageEndingWith("beyond the 300 s tolerance: it looks like milliseconds; the sender must send whole"
            + " seconds");
  }

  @Test
  void verify_timestampBeyondTheLastInstant_isTooNewEvenWithAnEndlessTolerance() throws Exception {
    WebhookVerifier lax = WebhookVerifier.builder().secret(Secret.of(SECRET)).clock(AT_VECTOR)
        .tolerance(Duration.ofSeconds(Long.MAX_VALUE)).build();
    String farFuture = "999999999999999999";
    assertRefusedSignedAsSent(lax, farFuture, Reason.TOO_NEW);
  }

  @Test
  void verify_timestampZero_isTooOld() throws Exception {
    String zero = "0";
    assertRefusedSignedAsSent(verifier(SECRET), zero, Reason.TOO_OLD);
  }

  // --- headers sent twice ---

  @Test
  void verify_webhookIdTwiceWithDifferentValues_isAmbiguousNamingTheHeader() {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("webhook-id", List.of(MSG_ID));
    h.put("Webhook-Id", List.of("msg_other"));
    h.put("webhook-timestamp", List.of(TIMESTAMP));
    h.put("webhook-signature", List.of(SIGNATURE));
    assertThatThrownBy(() -> verifier(SECRET).verify(PAYLOAD, h))
        .satisfies(e -> assertThat(reason(e)).isEqualTo(Reason.AMBIGUOUS_HEADER))
        .hasMessage("webhook-id header is sent 2 times with different values, so which one was signed cannot be"
            + " told: the sender (or a proxy on the way) must send it once");
  }

  @Test
  void verify_timestampTwiceWithDifferentValues_isAmbiguous_sameValueTwicePasses() {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("webhook-id", List.of(MSG_ID, MSG_ID));
    h.put("webhook-timestamp", List.of(TIMESTAMP, Long.toString(WebhookVectorsTest.TIMESTAMP + 1)));
    h.put("webhook-signature", List.of(SIGNATURE));
    assertThatThrownBy(() -> verifier(SECRET).verify(PAYLOAD, h))
        .satisfies(e -> assertThat(reason(e)).isEqualTo(Reason.AMBIGUOUS_HEADER))
        .hasMessageStartingWith("webhook-timestamp header is sent 2 times with different values");
    h.put("webhook-timestamp", List.of(TIMESTAMP, TIMESTAMP));
    assertThat(verifier(SECRET).verify(PAYLOAD, h).id()).as("a proxy repeating a header verbatim").isEqualTo(MSG_ID);
  }

  @Test
  void verify_signatureLinesJoinedByAProxyWithCommas_areStillOneList_whicheverMatches() throws Exception {
    // RFC 9110 section 5.3: a proxy may join repeated lines into one, "v1,<a>, v1,<b>"; base64 has no comma, so one
    // after a signature is the join, never part of it (the first signature, the current secret's, was refused)
    String other = sign(MSG_ID, TIMESTAMP, "another body".getBytes(StandardCharsets.UTF_8));
    for (String joined : List.of(SIGNATURE + ", " + other, other + ", " + SIGNATURE, SIGNATURE + ",")) {
      Map<String, List<String>> h = new LinkedHashMap<>();
      h.put("webhook-id", List.of(MSG_ID));
      h.put("webhook-timestamp", List.of(TIMESTAMP));
      h.put("webhook-signature", List.of(joined));
      assertThat(verifier(SECRET).verify(PAYLOAD, h).id()).as(joined).isEqualTo(MSG_ID);
    }
    assertThatThrownBy(() -> verifier(SECRET).verify(MSG_ID, TIMESTAMP, other + ", " + other, PAYLOAD))
        .satisfies(e -> assertThat(reason(e)).isEqualTo(Reason.NO_MATCHING_SIGNATURE));
  }

  // --- secrets as operators paste them ---

  @Test
  void builder_rotationFormInOneValue_verifiesWithEither() {
    String fresh = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
    WebhookVerifier both = verifier(fresh + "  " + SECRET);
    assertThat(both.verify(MSG_ID, TIMESTAMP, SIGNATURE, PAYLOAD).id()).isEqualTo(MSG_ID);
    assertThat(both.toString()).isEqualTo("WebhookVerifier[2 secret(s), tolerance PT5M]");
  }

  @Test
  void builder_emptyInvalidOrShortSecrets_sayWhatToFixWithoutShowingThem() {
    assertThatThrownBy(() -> verifier("whsec_"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the secret is empty: give the whsec_... secret the sender signs with");
    String broken = "whsec_" + SECRET_BASE64.substring(0, 20) + "!" + SECRET_BASE64.substring(21);
    assertThatThrownBy(() -> verifier(SECRET, broken))
        .hasMessage("secret 2 of 2 is not whsec_ followed by base64 (A-Z a-z 0-9 + / and = padding only): copy the"
            + " whole secret again, without spaces, quotes or line breaks")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET_BASE64.substring(0, 8)))
        .hasNoCause();
    assertThatThrownBy(() -> WebhookSigner.of(Secret.of("whsec_" + Base64.getEncoder().encodeToString(new byte[16]))))
        .hasMessage("the secret decodes to 16 bytes; Standard Webhooks keys are 24 to 64 random bytes");
  }

  /**
   * A secret wrapped over two lines (base64 tools wrap long output: {@code openssl rand -base64 64} at 64 characters)
   * was split like the rotation form into two keys, both wrong: every post was then refused as signed with another
   * secret. Refused at build, saying to join the lines; secrets on lines of their own, each prefixed, still rotate.
   */
  @Test
  void builder_oneSecretWrappedOverLines_isRefusedSayingToJoinThem_prefixedSecretsOnLinesStillRotate() {
    String wrapped = SECRET.substring(0, 18) + "\n" + SECRET.substring(18) + "\n";
    assertThatThrownBy(() -> verifier(wrapped))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the secret is broken over several lines: a part after a line break has no whsec_ prefix, as"
            + " when a base64 tool wraps a long secret (openssl rand -base64 at 64 characters); join its lines into"
            + " one. Several secrets are separated by spaces, each with its whsec_ prefix")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET.substring(18)));
    assertThatThrownBy(() -> verifier(SECRET, "whsec_AAAA\r\nBBBB")).hasMessageStartingWith("secret 2 of 2 is broken");

    String fresh = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
    WebhookVerifier rotating = verifier(fresh + "\n" + SECRET + "\n");
    assertThat(rotating.verify(MSG_ID, TIMESTAMP, SIGNATURE, PAYLOAD).id()).isEqualTo(MSG_ID);
    assertThat(rotating.toString()).isEqualTo("WebhookVerifier[2 secret(s), tolerance PT5M]");
  }

  // --- bounded memory of remembered ids ---

  @Test
  void recentIds_floodOfUniqueIds_staysAtItsCapacityAndKeepsTheNewest() {
    RecentIds ids = new RecentIds(1_000);
    for (int i = 0; i < 200_000; i++) {
      ids.acknowledge("msg_" + i);
    }
    assertThat(ids.size()).isEqualTo(1_000);
    assertThat(ids.acknowledge("msg_199999")).as("the newest is remembered").isTrue();
    assertThat(ids.acknowledge("msg_0")).as("the oldest was forgotten").isFalse();
  }

  /** Puts a counting HMAC-SHA256 first, so a test can count how many MACs a verification computes. */
  private static final class CountingProvider extends Provider {
    private static final long serialVersionUID = 1L;

    CountingProvider() {
      super("LeadRouterCountingHmac", "1.0", "counts HmacSHA256 computations (tests only)");
      put("Mac.HmacSHA256", CountingHmac.class.getName());
    }
  }

  /** HmacSHA256 of the JDK's own provider, counting each finished MAC. */
  public static final class CountingHmac extends MacSpi {
    static final AtomicInteger FINALS = new AtomicInteger();
    private final Mac delegate;

    /** Instantiated by the JCA. */
    public CountingHmac() throws GeneralSecurityException {
      this.delegate = Mac.getInstance("HmacSHA256", "SunJCE");
    }

    @Override
    protected int engineGetMacLength() {
      return delegate.getMacLength();
    }

    @Override
    protected void engineInit(Key key, AlgorithmParameterSpec params)
        throws InvalidKeyException, InvalidAlgorithmParameterException {
      delegate.init(key, params);
    }

    @Override
    protected void engineUpdate(byte input) {
      delegate.update(input);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int len) {
      delegate.update(input, offset, len);
    }

    @Override
    protected byte[] engineDoFinal() {
      FINALS.incrementAndGet();
      return delegate.doFinal();
    }

    @Override
    protected void engineReset() {
      delegate.reset();
    }
  }
}
