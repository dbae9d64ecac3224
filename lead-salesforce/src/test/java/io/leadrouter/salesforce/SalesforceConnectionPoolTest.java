package io.leadrouter.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.FaultProxy;
import io.leadrouter.testkit.InFlightConnections;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST sink keeps one connection per delivery the router runs at once, when the router's in-flight setting (16)
 * is above the sink's own {@code maxConcurrency} (4): its pool kept 5 idle connections, so every burst of 16 closed 11
 * and opened 11 new ones (a TLS handshake each against Salesforce). Web-to-Lead posts each form on a connection of its
 * own by design (see {@link WebToLeadSink}); it still runs 16 at once. {@link InFlightConnections} routes 4 bursts of
 * 16 leads, each held together at a proxy counting connections.
 */
@Timeout(180)
class SalesforceConnectionPoolTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();

  private static final int IN_FLIGHT = 16;

  @Test
  void rest_inFlightAboveMaxConcurrency_oneConnectionPerDeliveryInFlight(@TempDir Path dir) throws Exception {
    InFlightConnections.assertPoolKeepsUp(proxy -> SalesforceSink.builder().myDomain(proxy)
        .clientId(FakeSalesforce.CLIENT_ID).clientSecret(Secret.of(FakeSalesforce.CLIENT_SECRET)).build(),
        fake.url(), FaultProxy.request("POST", FakeSalesforce.API + "/sobjects/Lead"), IN_FLIGHT, IN_FLIGHT, 4, dir);

    assertThat(fake.recordCount()).isEqualTo(4 * IN_FLIGHT);
  }

  @Test
  void webToLead_inFlightAboveMaxConcurrency_allFormsInFlightTogether_eachOnItsOwnConnection(@TempDir Path dir)
      throws Exception {
    InFlightConnections.Result r = InFlightConnections.route(proxy -> WebToLeadSink.builder().orgId(FakeSalesforce.ORG_ID)
        .endpoint(URI.create(proxy + FakeSalesforce.WEB_TO_LEAD + "?encoding=UTF-8")).build(),
        fake.url(), FaultProxy.request("POST", FakeSalesforce.WEB_TO_LEAD), IN_FLIGHT, IN_FLIGHT, 4, dir);

    assertThat(fake.webToLeadForms()).hasSize(4 * IN_FLIGHT);
    assertThat(r.connections()).as("a fresh connection per form: " + r).isEqualTo(4 * IN_FLIGHT);
  }
}
