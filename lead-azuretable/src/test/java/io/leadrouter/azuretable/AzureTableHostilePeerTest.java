package io.leadrouter.azuretable;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.ConnectionTrap;
import io.leadrouter.testkit.DrippingServer;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A Table endpoint on loopback that behaves as no Table service does: it drips its answer a byte at a time (each
 * byte within the read timeout), or redirects to an address this machine answers on. The call ends within the
 * request timeout with a transient failure, the connection is closed, and no redirect is followed.
 */
class AzureTableHostilePeerTest {
  private static final String SAS = "sv=2019-02-02&se=2099-01-01T00%3A00%3A00Z&tn=leads&sp=raud"
      + "&sig=c2VjcmV0LXNhcy1zaWduYXR1cmU%3D";
  private static final Duration DRIP = Duration.ofMillis(100);

  @Test
  void deliver_endpointDrippingHeadersForever_endsWithinTheRequestTimeout() {
    try (DrippingServer peer = DrippingServer.headersForever(204, DRIP)) {
      assertEndsAndCloses(peer);
    }
  }

  @Test
  void deliver_endpointWithAnEndlessChunkedErrorBody_endsWithinTheRequestTimeout() {
    try (DrippingServer peer = DrippingServer.bodyForever(500, "application/json", DRIP)) {
      assertEndsAndCloses(peer);
    }
  }

  @Test
  void deliver_endpointRedirectingToThisMachine_isNotFollowed() {
    WireMockServer redirector = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    redirector.start();
    try (ConnectionTrap trap = ConnectionTrap.open(); AzureTableSink sink = sink("http://127.0.0.1:"
        + redirector.port() + "/devstoreaccount1")) {
      redirector.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(307)
          .withHeader("Location", "http://0.0.0.0:" + trap.port() + "/devstoreaccount1/leads?" + SAS)));
      Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
      assertThat(e).isInstanceOf(DeliveryException.class);
      assertThat(e.getMessage()).doesNotContain("c2VjcmV0");
      assertThat(trap.accepted(200)).as("connections that followed the redirect").isZero();
    } finally {
      redirector.stop();
    }
  }

  private static void assertEndsAndCloses(DrippingServer peer) {
    try (AzureTableSink sink = sink(peer.url() + "/devstoreaccount1")) {
      Throwable e = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall())),
          "the request was still running after 60 s: nothing bounds it");
      assertThat(e).isInstanceOf(TransientDeliveryException.class);
      assertThat(e.getMessage()).doesNotContain("c2VjcmV0");
      assertThat(peer.awaitConnectionsClosed(Duration.ofSeconds(30)))
          .as("connections left open to the dripping peer").isZero();
    }
  }


  private static AzureTableSink sink(String endpoint) {
    return AzureTableSink.builder().account(AzureTableAccount.sas(URI.create(endpoint), Secret.of(SAS)))
        .tableName("leads").maxRetries(0).requestTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(2))
        .build();
  }
}
