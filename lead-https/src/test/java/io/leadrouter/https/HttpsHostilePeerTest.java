package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.DrippingServer;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A receiver that drips its answer a byte at a time (each byte within any read timeout) or floods an endless body:
 * the delivery ends within {@code callTimeout}, transient, with no secret in its message, and the connection is closed.
 */
class HttpsHostilePeerTest {
  private static final String API_KEY = "hostile-peer-api-key-4711";

  /** The hostile receivers, each opened by the test that uses it (and closed by it). */
  static Stream<Named<Supplier<DrippingServer>>> hostileReceivers() {
    return Stream.of(
        Named.of("dripping headers forever", () -> DrippingServer.headersForever(200, Duration.ofMillis(100))),
        Named.of("an endless chunked error body",
            () -> DrippingServer.bodyForever(503, "text/plain", Duration.ofMillis(100))),
        Named.of("flooding an endless 2xx body", () -> DrippingServer.floodForever(200)));
  }

  @ParameterizedTest(name = "receiver {0}")
  @MethodSource("hostileReceivers")
  void deliver_hostileReceiver_endsWithinTheCallTimeout_noSecretShown_connectionClosed(
      Supplier<DrippingServer> receiver) {
    try (DrippingServer peer = receiver.get();
        HttpsSink sink = HttpsSink.builder(URI.create(peer.url() + "/hook"))
            .signingSecret(Secret.of(WebhookReceiverFake.SECRET)).secretHeader("X-Api-Key", Secret.of(API_KEY))
            .allowHost("127.0.0.1").allowHttpHost("127.0.0.1").callTimeout(Duration.ofSeconds(1)).build()) {
      Throwable e = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall())),
          "the delivery was still running after 60 s: nothing bounds it");
      if (e != null) { // a 2xx whose body is cut off by the bound was still acknowledged: delivered
        assertThat(e).isInstanceOf(TransientDeliveryException.class);
        assertThat(e.getMessage()).doesNotContain(API_KEY).doesNotContain(WebhookReceiverFake.SECRET);
      }
      assertThat(peer.awaitConnectionsClosed(Duration.ofSeconds(30)))
          .as("connections left open to the hostile peer").isZero();
    }
  }

  /**
   * A receiver that answers 200 and then drips its body a byte at a time, each byte within any read timeout: the 2xx
   * is the answer, so the lead is delivered at once instead of after {@code callTimeout} (the sink drained up to
   * 64 KiB of the body first: with a generous callTimeout a delivery took minutes), and the connection is closed.
   */
  @Test
  void deliver_2xxWhoseBodyDrips_isDeliveredWithoutWaitingForTheBody() {
    try (DrippingServer peer = DrippingServer.bodyForever(200, "text/plain", Duration.ofMillis(20));
        HttpsSink sink = HttpsSink.builder(URI.create(peer.url() + "/hook"))
            .signingSecret(Secret.of(WebhookReceiverFake.SECRET)).allowHost("127.0.0.1").allowHttpHost("127.0.0.1")
            .callTimeout(Duration.ofSeconds(300)).build()) {
      DeliveryResult r = assertTimeoutPreemptively(Duration.ofSeconds(30),
          () -> sink.deliver(SampleLeads.azureMarketplaceInstall()),
          "the delivery waited for the 2xx's body: still running after 30 s");

      assertThat(r.outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(peer.awaitConnectionsClosed(Duration.ofSeconds(30)))
          .as("connections left open to the dripping peer").isZero();
    }
  }
}
