package io.leadrouter.dynamics;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.testkit.FaultProxy;
import io.leadrouter.testkit.FaultProxy.Fault;
import io.leadrouter.testkit.LostAnswers;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A Dataverse write's answer lost after the instance applied it (a {@link FaultProxy} in front of the fake), then the
 * router's retries, in each way the sink writes: the create with the primary key derived from the lead id
 * ({@code POST leads}), the upsert by alternate key ({@code PATCH leads(<idColumn>='<LeadId>')}), and
 * {@code match: email} (a lookup, then {@code POST leads}). Each ends in exactly one row, delivered.
 */
@Timeout(180)
class DynamicsLostAnswerTest extends FakeDynamicsTest {
  @TempDir
  Path dir;

  static Stream<Arguments> ways() {
    return Stream.of("derived key", "alternate key", "match: email")
        .flatMap(way -> Arrays.stream(Fault.values()).map(f -> Arguments.of(way, f)));
  }

  /**
   * {@code match: email}: the create times out while Dataverse is still running it (plug-ins, a busy instance), the
   * retry's lookup runs before it is applied and finds nothing, and creates. The retry's create carries the primary
   * key derived from the lead id, as the plain create does, so the late first create is refused (0x80040237) and the
   * customer has one row; without it each create made its own row.
   */
  @org.junit.jupiter.api.Test
  void matchEmail_createStillRunningWhenTheRetryLooksUp_exactlyOneRow() throws Exception {
    fake.sink().build().deliver(SampleLeads.appSourceCreate()); // another customer: the fake warmed up
    DynamicsSink sink = fake.sink().match(Match.EMAIL).timeout(Duration.ofSeconds(2)).build();
    Lead lead = SampleLeads.azureMarketplaceInstall();
    sink.deliver(SampleLeads.testDrive()); // another customer: signed in
    fake.applyNextCreateLate(8_000); // past the call's bound (3 timeouts)

    Throwable first = org.assertj.core.api.Assertions.catchThrowable(() -> sink.deliver(lead));
    assertThat(first).isInstanceOf(io.leadrouter.spi.TransientDeliveryException.class);
    io.leadrouter.spi.DeliveryResult retried = sink.deliver(lead);
    io.leadrouter.testkit.Await.until("the first create applied", Duration.ofSeconds(30),
        () -> fake.lateCreatesApplied() == 1);

    assertThat(retried.outcome()).isEqualTo(io.leadrouter.spi.DeliveryOutcome.CREATED);
    assertThat(fake.rowsFor(lead)).as("rows for the lead").isEqualTo(1);
    assertThat(fake.recordsWithEmail(lead.customer().email())).hasSize(1);
    assertThat(sink.deliver(lead).outcome()).as("and the next delivery finds that row")
        .isEqualTo(io.leadrouter.spi.DeliveryOutcome.UPDATED);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("ways")
  void writeAnswerLost_isRetriedIntoExactlyOneRow(String way, Fault fault) {
    try (FaultProxy proxy = FaultProxy.to(URI.create(fake.baseUrl())).delay(Duration.ofSeconds(3))) {
      fake.tokenForAnyScope(0); // the token's scope names the instance: here the proxy
      DynamicsSink.Builder b = fake.sink().instanceUrl(proxy.uri().toString()).timeout(Duration.ofSeconds(1));
      String write = "POST";
      if (way.equals("alternate key")) {
        fake.alternateKey("new_leadrouterid");
        b.idColumn("new_leadrouterid");
        write = "PATCH";
      } else if (way.equals("match: email")) {
        b.match(Match.EMAIL);
      }
      proxy.fail(FaultProxy.request(write, "/api/data/v9.2/leads"), fault, 1);
      Lead lead = SampleLeads.azureMarketplaceInstall();

      LostAnswers.Settled settled = LostAnswers.route(b.build(), lead, dir, Duration.ofSeconds(60));

      assertThat(proxy.faulted()).as(settled + " " + proxy.seen()).isEqualTo(1);
      assertThat(settled.delivered()).as(settled.toString()).isTrue();
      assertThat(fake.rowsFor(lead)).as("rows for the lead").isEqualTo(1);
    }
  }
}
