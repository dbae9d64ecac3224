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
}
