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
}
