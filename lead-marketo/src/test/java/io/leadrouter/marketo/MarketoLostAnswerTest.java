package io.leadrouter.marketo;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.FaultProxy;
import io.leadrouter.testkit.FaultProxy.Fault;
import io.leadrouter.testkit.LostAnswers;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sync Leads' answer lost after Marketo applied it (a {@link FaultProxy} in front of the fake), then the router's
 * retries: {@code createOrUpdate} by the lookup field finds the lead the lost call created, so Marketo holds exactly
 * one lead, and the lead is delivered.
 */
@Timeout(120)
class MarketoLostAnswerTest {
  @RegisterExtension
  static final FakeMarketo fake = new FakeMarketo(java.time.Clock.systemUTC());

  @TempDir
  Path dir;

  @ParameterizedTest
  @EnumSource(Fault.class)
  void syncLeadsAnswerLost_isRetriedIntoExactlyOneLead(Fault fault) {
    try (FaultProxy proxy = FaultProxy.to(fake.rest()).delay(Duration.ofSeconds(3))) {
      proxy.fail(FaultProxy.request("POST", "/rest/v1/leads.json"), fault, 1);
      Lead lead = SampleLeads.azureMarketplaceInstall();
      MarketoSink sink = MarketoSink.builder().endpoint(URI.create(proxy.uri() + "/rest"))
          .identity(URI.create(proxy.uri() + "/identity")).clientId(FakeMarketo.CLIENT_ID)
          .clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET)).timeout(Duration.ofSeconds(1)).build();

      LostAnswers.Settled settled = LostAnswers.route(sink, lead, dir, Duration.ofSeconds(60));

      assertThat(proxy.faulted()).isEqualTo(1);
      assertThat(settled.delivered()).as(settled.toString()).isTrue();
      assertThat(fake.recordsWithEmail(lead.customer().email())).as("Marketo leads").hasSize(1);
    }
  }
}
