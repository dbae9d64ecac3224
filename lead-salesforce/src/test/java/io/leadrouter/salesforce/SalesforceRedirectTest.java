package io.leadrouter.salesforce;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A renamed My Domain redirects its old URL to the new one (301/302/307/308): the REST sink never follows (the token
 * request carries the client secret, an API call the access token and the customer's data), and its diagnosis names
 * where the redirect pointed, as the Dynamics and Marketo sinks do (before: "answered HTTP 302 without an OAuth error"
 * or "SALESFORCE_HTTP_302 ... check myDomain and apiVersion", the new host nowhere).
 */
class SalesforceRedirectTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();

  @ParameterizedTest
  @ValueSource(ints = {301, 302, 307, 308})
  void tokenEndpointRedirects_notFollowed_diagnosisNamesTheTarget(int status) {
    SalesforceSink sink = fake.open(fake.sinkBuilder());
    fake.server.stubFor(post(urlEqualTo("/services/oauth2/token")).atPriority(1).willReturn(aResponse()
        .withStatus(status).withHeader("Location",
            "https://contoso-new.my.salesforce.com/services/oauth2/token?client_secret=leaked")));

    Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).isInstanceOfSatisfying(PermanentDeliveryException.class, p -> {
      assertThat(p.diagnosisValue().code()).isEqualTo(SalesforceErrors.MY_DOMAIN_UNREACHABLE);
      assertThat(p.diagnosisValue().message()).contains("HTTP " + status, "to contoso-new.my.salesforce.com",
          "not followed").doesNotContain("leaked");
      assertThat(p.diagnosisValue().remediation()).contains("myDomain", "renamed My Domain");
    });
    assertThat(fake.server.findAll(anyRequestedFor(anyUrl()))).as("one request: the redirect not followed")
        .hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {301, 302, 307, 308})
  void apiRedirects_notFollowed_diagnosisNamesTheTarget(int status) {
    SalesforceSink sink = fake.open(fake.sinkBuilder());
    fake.server.stubFor(any(urlPathMatching(FakeSalesforce.API + "/.*")).atPriority(1).willReturn(aResponse()
        .withStatus(status).withHeader("Location", "https://contoso-new.my.salesforce.com/services/data/")));

    Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).isInstanceOfSatisfying(PermanentDeliveryException.class, p -> {
      assertThat(p.diagnosisValue().code()).isEqualTo(SalesforceErrors.MY_DOMAIN_UNREACHABLE);
      assertThat(p.diagnosisValue().message()).contains("HTTP " + status, "to contoso-new.my.salesforce.com");
    });
    assertThat(fake.server.findAll(anyRequestedFor(urlPathMatching(FakeSalesforce.API + "/.*"))))
        .as("the API call not followed").hasSize(1);
  }
}
