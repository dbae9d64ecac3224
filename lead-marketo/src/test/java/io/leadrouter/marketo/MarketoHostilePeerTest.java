package io.leadrouter.marketo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.leadrouter.spi.Secret;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.DrippingServer;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A Marketo identity and REST endpoint that drip their answer a byte at a time (each byte within any read timeout) or
 * flood an endless body (guard: the Dynamics, Salesforce and HTTPS sinks had this attack, Marketo did not): the
 * delivery ends within a few timeouts, transient, naming the endpoint, with no secret in its message, and the
 * connections are closed.
 */
class MarketoHostilePeerTest {
  @ParameterizedTest(name = "Marketo {0}")
  @MethodSource("io.leadrouter.testkit.DrippingServer#hostilePeers")
  void deliver_hostileIdentityAndRestEndpoint_endsWithinTheTimeouts_namingTheEndpoint_noSecret(
      Supplier<DrippingServer> newPeer) {
    try (DrippingServer peer = newPeer.get();
        MarketoSink sink = MarketoSink.builder().endpoint(URI.create(peer.url() + "/rest"))
            .identity(URI.create(peer.url() + "/identity")).clientId(FakeMarketo.CLIENT_ID)
            .clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET)).timeout(Duration.ofSeconds(1)).build()) {
      Throwable e = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall())),
          "the delivery was still running after 60 s: nothing bounds it");

      assertThat(e).isInstanceOf(TransientDeliveryException.class);
      assertThat(e.getMessage()).contains("identity endpoint").doesNotContain(FakeMarketo.CLIENT_SECRET)
          .hasSizeLessThan(1000);
      assertThat(peer.awaitConnectionsClosed(Duration.ofSeconds(30)))
          .as("connections left open to the hostile peer").isZero();
    }
  }

  /**
   * An identity endpoint answering 200 with a captive portal's page or with a token answer too large to read: the
   * failure said "check that endpoint points at Marketo's REST API" (the other setting) and quoted the body, which
   * may hold a token. Now it names the identity setting and says what came, never quoting JSON.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "a captive portal's page|<html><title>Sign in to Wi-Fi</title></html>|a web page 'Sign in to Wi-Fi'",
      "a token answer cut at the read bound|LARGE|a JSON answer of 64 KiB or more, cut there"})
  void deliver_identityAnswering200WithoutAUsableToken_namesTheIdentitySetting(String what, String body,
      String said) {
    String answer = body.equals("LARGE")
        ? "{\"access_token\":\"" + "A".repeat(1024 * 1024) + "\",\"expires_in\":3599}" : body;
    com.github.tomakehurst.wiremock.WireMockServer wm = new com.github.tomakehurst.wiremock.WireMockServer(
        com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig().bindAddress("127.0.0.1")
            .dynamicPort());
    wm.start();
    try (MarketoSink sink = MarketoSink.builder().endpoint(URI.create(wm.baseUrl() + "/rest"))
        .identity(URI.create(wm.baseUrl() + "/identity")).clientId(FakeMarketo.CLIENT_ID)
        .clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET)).build()) {
      wm.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
          com.github.tomakehurst.wiremock.client.WireMock.anyUrl()).willReturn(
          com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200).withBody(answer)));

      Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

      assertThat(e).isInstanceOf(TransientDeliveryException.class).hasMessageContaining(said)
          .hasMessageNotContaining("AAAAAAAA");
      assertThat(((TransientDeliveryException) e).diagnosis().orElseThrow().remediation()).startsWith(
          "set identity to the Identity URL");
    } finally {
      wm.stop();
    }
  }
}
