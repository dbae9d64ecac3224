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
