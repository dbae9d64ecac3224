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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A receiver that drips its answer a byte at a time (each byte within any read timeout) or floods an endless body:
 * the delivery ends within {@code callTimeout}, transient, with no secret in its message, and the connection is closed.
 */
class HttpsHostilePeerTest {
  private static final String API_KEY = "hostile-peer-api-key-4711";

  @ParameterizedTest(name = "receiver {0}")
  @MethodSource("io.leadrouter.testkit.DrippingServer#hostilePeers")
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

  /**
   * A receiver whose status line is 100,000 characters of its own text with terminal escapes: the failure quoted
   * OkHttp's "Unexpected status line: ..." whole, so one answer put the peer's 100 KB, escapes and all, into every
   * attempt's message (journal, logs, CLI). Now one bounded line naming the URL.
   */
  @Test
  void deliver_receiverAnsweringAHugeGarbageStatusLine_failsWithABoundedOneLineMessage() throws Exception {
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Thread peer = new Thread(() -> {
        try (java.net.Socket c = server.accept()) {
          c.getInputStream().read(new byte[8192]);
          c.getOutputStream().write(("HTTP/1.1 \u001b[2J\u001b]0;owned\u0007" + "x".repeat(100_000) + "\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8));
          c.getOutputStream().flush();
          c.getInputStream().read(); // until the sink hangs up
        } catch (java.io.IOException ignored) {
          // the test is over
        }
      });
      peer.setDaemon(true);
      peer.start();
      try (HttpsSink sink = HttpsSink.builder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/hook"))
          .signingSecret(Secret.of(WebhookReceiverFake.SECRET)).allowHost("127.0.0.1").allowHttpHost("127.0.0.1")
          .callTimeout(Duration.ofSeconds(30)).build()) {
        Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

        assertThat(e).isInstanceOf(TransientDeliveryException.class);
        String message = e.getMessage();
        assertThat(message).contains("127.0.0.1:" + server.getLocalPort()).hasSizeLessThan(1000)
            .doesNotContain("\u001b").doesNotContain("\u0007");
        String diagnosis = ((TransientDeliveryException) e).diagnosis().orElseThrow().message();
        assertThat(diagnosis).hasSizeLessThan(1000).doesNotContain("\u001b");
      }
    }
  }
}
