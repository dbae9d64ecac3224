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
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  /**
   * Before: the SDK's Netty client read a success answer whole before the SDK looked at it (it asks for the body
   * eagerly), unbounded: an endpoint flooding an endless 200 answer was read for the whole request timeout, gigabytes on
   * loopback, or until the heap ran out. Now a success body past the largest answer the service sends fails the call.
   */
  @Test
  void deliver_endpointFloodingAnEndless200Answer_readsABoundedAmount() {
    try (DrippingServer peer = DrippingServer.floodForever(200); AzureTableSink sink = AzureTableSink.builder()
        .account(AzureTableAccount.sas(URI.create(peer.url() + "/devstoreaccount1"), Secret.of(SAS)))
        .tableName("leads").maxRetries(0).requestTimeout(Duration.ofSeconds(20)).build()) {
      Throwable e = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall())),
          "deliver was still reading after 60 s");
      assertThat(String.valueOf(e)).doesNotContain("c2VjcmV0");
      // 64 MiB kept at most, plus the kernel's socket buffers; unbounded, 20 s of loopback flood
      assertThat(peer.bytesSent()).as("bytes the client let the peer send").isLessThan(256L << 20);
    }
  }

  /** The poller's query flooded with an endless 200 answer: read up to what a page can hold, then the poll fails. */
  @Test
  void poll_endpointFloodingAnEndless200Answer_readsABoundedAmountAndFailsThePoll(@TempDir Path dir) {
    try (DrippingServer peer = DrippingServer.floodForever(200); AzureTableLeadPoller poller = AzureTableLeadPoller
        .builder().account(AzureTableAccount.sas(URI.create(peer.url() + "/devstoreaccount1"), Secret.of(SAS)))
        .tableName("leads").target(lead -> { }).checkpointStore(FileCheckpointStore.at(dir.resolve("cp.json")))
        .maxBytesPerPoll(AzureTableLeadPoller.MIN_MAX_BYTES_PER_POLL).maxRetries(0)
        .requestTimeout(Duration.ofSeconds(20)).build()) {
      AzureTableLeadPoller.PollResult r = assertTimeoutPreemptively(Duration.ofSeconds(60), poller::pollOnce,
          "the poll was still reading after 60 s");
      assertThat(r.failure()).get().extracting(Throwable::getMessage).asString()
          .startsWith("reading table leads failed: AZURETABLE_UNREACHABLE: ")
          .contains("the answer of 127.0.0.1 is longer than 5242880 bytes, more than the Table service sends to this"
              + " request");
      assertThat(peer.bytesSent()).as("bytes the client let the peer send").isLessThan(256L << 20);
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
