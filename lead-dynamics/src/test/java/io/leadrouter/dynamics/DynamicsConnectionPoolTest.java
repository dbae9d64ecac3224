package io.leadrouter.dynamics;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.testkit.FaultProxy;
import io.leadrouter.testkit.InFlightConnections;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink keeps one connection per delivery the router runs at once when the router's in-flight setting (64) is above
 * the sink's own concurrency ({@link DynamicsSink#MAX_CONCURRENCY}, 52, Dataverse's limit per user): its pool kept 52
 * idle connections, so every burst of 64 closed 12 and opened 12 new ones (a TLS handshake each against Dataverse).
 * {@link InFlightConnections} routes 3 bursts of 64 leads, each held together at a proxy counting connections.
 */
@Timeout(180)
class DynamicsConnectionPoolTest extends FakeDynamicsTest {
  private static final int IN_FLIGHT = 64;

  @Test
  void inFlightAboveMaxConcurrency_oneConnectionPerDeliveryInFlight(@TempDir Path dir) throws Exception {
    fake.tokenForAnyScope(0); // the token's scope names the instance: here the proxy

    InFlightConnections.assertPoolKeepsUp(proxy -> fake.sink().instanceUrl(proxy.toString()).authorityHost(proxy)
        .build(), URI.create(fake.baseUrl()), FaultProxy.request("POST", "/api/data/v9.2/leads"), IN_FLIGHT,
        IN_FLIGHT, 3, dir);

    assertThat(fake.recordCount()).isEqualTo(3 * IN_FLIGHT);
  }
}
