package io.leadrouter.https;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A receiver that echoes the whole request (body, every header, URL with its query token) in its error body: the
 * diagnosis and the exception's message keep no secret and no raw e-mail or phone.
 */
class EchoScrubTest {
  private static final String API_KEY = "echo-api-key-5521";
  private static final String URL_TOKEN = "echo-url-token-88x";
  private final WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1")
      .templatingEnabled(true));

  @BeforeEach
  void start() {
    server.start();
    server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(400).withTransformers("response-template")
        .withBody("you sent {{request.method}} {{request.url}}\n{{#each request.headers}}{{@key}}: {{this}}\n"
            + "{{/each}}body: {{request.body}}")));
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  @Test
  void deliver_receiverEchoesTheRequest_diagnosisHoldsNoSecretAndNoRawPii() {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    HttpsSink sink = HttpsSink.builder(URI.create("http://127.0.0.1:" + server.port() + "/hook?token=" + URL_TOKEN))
        .signingSecret(Secret.of(WebhookReceiverFake.SECRET)).secretHeader("X-Api-Key", Secret.of(API_KEY))
        .allowHost("127.0.0.1").allowHttpHost("127.0.0.1").build();
    DeliveryException e = catchThrowableOfType(DeliveryException.class, () -> sink.deliver(lead));
    String shown = e.getMessage() + "\n" + e.diagnosis().orElseThrow();
    assertThat(server.getAllServeEvents().get(0).getResponse().getBodyAsString())
        .as("the receiver did echo everything").contains(API_KEY).contains(URL_TOKEN)
        .contains(lead.customer().email());
    assertThat(shown).contains("HTTPS_REJECTED").doesNotContain(API_KEY).doesNotContain(URL_TOKEN)
        .doesNotContain(lead.customer().email()).doesNotContain("whsec_");
    if (!lead.customer().phone().isBlank()) {
      assertThat(shown).doesNotContain(lead.customer().phone());
    }
  }

  /**
   * A customer's phone with its extension written against it, and an address typed with a full-width {@code @} and
   * dots (a Japanese or Chinese input method), as the receiver echoes them back: both reached the diagnosis whole.
   */
  @Test
  void deliver_receiverEchoesAPhoneWithExtensionAndAFullWidthAddress_neitherIsShown() {
    Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().phone("425-555-0187x204")
        .email("\uff59\uff55\uff4b\uff49.\uff54\uff41\uff4e\uff41\uff4b\uff41\uff20\uff43\uff4f\uff4e"
            + "\uff54\uff4f\uff53\uff4f\uff0e\uff4a\uff50").build();
    HttpsSink sink = HttpsSink.builder(URI.create("http://127.0.0.1:" + server.port() + "/hook"))
        .signingSecret(Secret.of(WebhookReceiverFake.SECRET)).allowHost("127.0.0.1").allowHttpHost("127.0.0.1")
        .build();

    DeliveryException e = catchThrowableOfType(DeliveryException.class, () -> sink.deliver(lead));

    assertThat(server.getAllServeEvents().get(0).getResponse().getBodyAsString()).as("the receiver did echo both")
        .contains("425-555-0187x204", lead.customer().email());
    String shown = e.getMessage() + "\n" + e.diagnosis().orElseThrow();
    assertThat(shown).contains("HTTPS_REJECTED").doesNotContain("555-0187", "\uff55\uff4b\uff49.\uff54");
  }

  /** Receivers carry tokens in the path (Slack-style hooks) or under any query name, not only {@code ?token=}. */
  @Test
  void deliver_receiverEchoesAUrlWithTokensInPathAndQuery_neitherIsShown() {
    String pathToken = "Ab12Cd34Ef56Gh78Ij90";
    String queryToken = "Zz99Yy88Xx77Ww66Vv55";
    HttpsSink sink = HttpsSink.builder(URI.create("http://127.0.0.1:" + server.port() + "/services/T0/" + pathToken
            + "?k=" + queryToken + "&format=json"))
        .signingSecret(Secret.of(WebhookReceiverFake.SECRET)).allowHost("127.0.0.1").allowHttpHost("127.0.0.1")
        .build();

    DeliveryException e = catchThrowableOfType(DeliveryException.class,
        () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(server.getAllServeEvents().get(0).getResponse().getBodyAsString())
        .as("the receiver did echo the URL").contains(pathToken, queryToken);
    String shown = e.getMessage() + "\n" + e.diagnosis().orElseThrow() + "\n" + sink + "\n" + sink.config()
        + "\n" + sink.verify();
    assertThat(shown).contains("HTTPS_REJECTED", "/services/T0/").doesNotContain(pathToken, queryToken);
  }

  /**
   * A receiver that knows the signing key (it verifies with it) echoes it in an error in the forms a verifier holds
   * it: without its {@code whsec_} prefix, as the key's bytes in hex, in URL-safe Base64, split over two lines of a
   * wrapped Base64 text, and the second secret of a rotation pair alone.
   */
  @Test
  void deliver_receiverEchoesTheSigningKeyInAnyForm_noneIsShown() {
    String current = "whsec_" + java.util.Base64.getEncoder().encodeToString(KEY_BYTES);
    String previous = "whsec_" + java.util.Base64.getEncoder().encodeToString(OLD_KEY_BYTES);
    String base64 = current.substring("whsec_".length());
    String hex = java.util.HexFormat.of().formatHex(KEY_BYTES);
    String url = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(KEY_BYTES);
    server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(401)
        .withHeader("WWW-Authenticate", "HMAC key=\"" + hex + "\"")
        .withBody("{\"error\":\"bad signature\",\"expected key\":\"" + base64 + "\",\"hex\":\"" + hex
            + "\",\"url\":\"" + url + "\",\"wrapped\":\"" + base64.substring(0, 20) + "\n" + base64.substring(20)
            + "\",\"old\":\"" + previous + "\"}")));
    HttpsSink sink = HttpsSink.builder(URI.create("http://127.0.0.1:" + server.port() + "/hook"))
        .signingSecret(Secret.of(current)).signingSecret(Secret.of(previous))
        .allowHost("127.0.0.1").allowHttpHost("127.0.0.1").build();

    DeliveryException e = catchThrowableOfType(DeliveryException.class,
        () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

    String shown = e.getMessage() + "\n" + e.diagnosis().orElseThrow() + "\n" + e.getCause();
    assertThat(shown).contains("401").doesNotContain(base64.substring(0, 20), base64.substring(20), hex, url,
        previous.substring(6));
  }

  private static final byte[] KEY_BYTES = "thirty-two-byte-signing-key-0001".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  private static final byte[] OLD_KEY_BYTES = "thirty-two-byte-signing-key-0000".getBytes(
      java.nio.charset.StandardCharsets.UTF_8);
}
