package io.leadrouter.marketo;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.RecordMatching.SyncMode;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.ManyCustomers;
import io.leadrouter.testkit.OverlapRecorder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One customer, one Marketo lead: lead-testkit's {@link ManyCustomers} run (1,000 leads of 100 customers, 10 each,
 * randomly interleaved, their e-mails' case varying) through a router with a SQLite journal at concurrency 8 into a
 * fake that counts each customer's calls in flight ({@link OverlapRecorder}) and that, as Adobe warns ("Sync Leads":
 * concurrent or closely timed upserts of one person can create duplicates), creates a duplicate when two upserts of
 * one person overlap. With the descriptor's {@code match: email} and {@code mode: upsert} the fake never sees two calls for one customer overlap, and holds exactly 100 leads. The control
 * shows the fake does see overlaps, and duplicates, when nothing keeps one customer's calls apart.
 */
@Timeout(300)
class MarketoPerCustomerTest {
  @RegisterExtension
  static final FakeMarketo fake = new FakeMarketo(Clock.systemUTC());

  /** The sink as a descriptor makes it: {@code match: email}, {@code mode: upsert}. */
  private static MarketoSink sink() {
    MarketoSink sink = (MarketoSink) new MarketoSinkProvider().create(SinkConfig.builder("mkto", "marketo")
        .put("endpoint", fake.rest().toString()).put("identity", fake.identity().toString())
        .put("clientId", FakeMarketo.CLIENT_ID).secret("clientSecret", Secret.of(FakeMarketo.CLIENT_SECRET))
        .put("match", "email").put("mode", "upsert").build());
    assertThat(sink.config().matching()).contains(new RecordMatching(Match.EMAIL, SyncMode.UPSERT));
    assertThat(sink.config().mode().action()).contains("createOrUpdate");
    return sink;
  }

  @Test
  void thousandLeadsOfHundredCustomers_concurrency8_matchEmail_noOverlap_exactlyHundredLeads(@TempDir Path dir) {
    ManyCustomers.assertOneRecordPerCustomer(sink(), fake, dir, Duration.ofSeconds(240));

    assertThat(fake.syncCalls()).hasSize(1000);
  }

  /** The control: the same sink declaring no ordering; the fake sees one customer's calls overlap and duplicates. */
  @Test
  void control_withoutPerCustomerOrdering_theFakeSeesOverlapsAndDuplicates(@TempDir Path dir) {
    ManyCustomers.assertControlRunRaces(sink(), fake, dir);

    assertThat(fake.recordCount()).as("Marketo leads: duplicates of some customers").isGreaterThan(4);
  }
}
