package io.leadrouter.marketo;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.FaultProxy;
import io.leadrouter.testkit.InFlightConnections;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * At a router in-flight setting (16) above Marketo's 10 concurrent calls the sink still runs 10 calls at once, never
 * one behind another, and keeps at most 10 connections: its pool is sized to the calls it holds itself to
 * ({@link MarketoSink#prepareFor}). {@link InFlightConnections} routes 3 bursts of 20 leads, their Sync Leads calls
 * held in groups of 10 at a proxy counting connections.
 */
@Timeout(180)
class MarketoConnectionPoolTest {
  @RegisterExtension
  static final FakeMarketo fake = new FakeMarketo(Clock.systemUTC());

  @Test
  void inFlightAboveMarketosLimit_tenCallsAtOnce_atMostTenConnections(@TempDir Path dir) throws Exception {
    InFlightConnections.assertPoolKeepsUp(proxy -> MarketoSink.builder()
        .endpoint(URI.create(proxy + "/rest")).identity(URI.create(proxy + "/identity"))
        .clientId(FakeMarketo.CLIENT_ID).clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET)).build(),
        fake.rest(), FaultProxy.request("POST", "/rest/v1/leads"), 16, MarketoSink.MAX_CONCURRENCY, 3, dir);

    assertThat(fake.syncCalls()).hasSize(60);
  }
}
