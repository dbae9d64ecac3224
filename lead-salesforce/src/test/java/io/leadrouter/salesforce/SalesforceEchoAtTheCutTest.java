package io.leadrouter.salesforce;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.spi.DeliveryException;
import io.leadrouter.testkit.SampleLeads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Salesforce's answers quoted in a diagnosis are cut at 1,000 characters. An answer echoing the client secret or the
 * access token just across that cut (a verbose proxy, a custom Apex REST error, a hostile endpoint) showed the head of
 * the credential: the scrub that runs on every diagnosis came after the cut and no longer recognised it.
 */
class SalesforceEchoAtTheCutTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();

  @Test
  void tokenEndpoint_echoesTheClientSecretAcrossTheCut_noPartOfItShown() {
    SalesforceSink sink = fake.open(fake.sinkBuilder());
    // "invalid_client: " + 968 + " " puts the secret's first 15 characters before the 1,000th
    String description = "x".repeat(968) + " " + FakeSalesforce.CLIENT_SECRET + " is not this app's secret";
    fake.server.stubFor(post(urlEqualTo("/services/oauth2/token")).atPriority(1).willReturn(aResponse()
        .withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":\"invalid_client\",\"error_description\":\"" + description + "\"}")));

    Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).isInstanceOf(DeliveryException.class);
    DeliveryException d = (DeliveryException) e;
    assertThat(d.diagnosis()).isPresent();
    assertThat(d.diagnosis().orElseThrow().message()).startsWith("invalid_client: xxx")
        .doesNotContain(FakeSalesforce.CLIENT_SECRET.substring(0, 8));
    assertThat(d.toString()).doesNotContain(FakeSalesforce.CLIENT_SECRET.substring(0, 8));
  }

  @Test
  void api_echoesTheAccessTokenAcrossTheCut_noPartOfItShown() {
    SalesforceSink sink = fake.open(fake.sinkBuilder());
    String token = "00D5e000000AbCd!AQ4AQFakeToken1";
    // "FIELD_CUSTOM_VALIDATION_EXCEPTION: " (35) + 950 + " " puts the token's first 14 characters before the 1,000th
    String message = "y".repeat(950) + " " + token + " may not create Leads";
    fake.server.stubFor(any(urlPathMatching(FakeSalesforce.API + "/sobjects/Lead.*")).atPriority(1)
        .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
            .withBody("[{\"message\":\"" + message + "\",\"errorCode\":\"FIELD_CUSTOM_VALIDATION_EXCEPTION\","
                + "\"fields\":[]}]")));
    fake.server.stubFor(any(urlPathMatching(FakeSalesforce.API + "/composite/.*")).atPriority(1)
        .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
            .withBody("[{\"message\":\"" + message + "\",\"errorCode\":\"FIELD_CUSTOM_VALIDATION_EXCEPTION\","
                + "\"fields\":[]}]")));

    Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).as(String.valueOf(e)).isInstanceOf(DeliveryException.class);
    DeliveryException d = (DeliveryException) e;
    assertThat(d.diagnosis()).as(String.valueOf(e)).isPresent();
    assertThat(d.diagnosis().orElseThrow().message()).startsWith("FIELD_CUSTOM_VALIDATION_EXCEPTION: yyy")
        .doesNotContain("00D5e000000AbC").doesNotContain("AQ4AQ");
  }
}
