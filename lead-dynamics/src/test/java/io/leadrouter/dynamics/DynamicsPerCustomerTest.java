package io.leadrouter.dynamics;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.testkit.ManyCustomers;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One customer, one Dataverse lead: 1,000 leads of 100 customers (10 each, interleaved, each with its own LeadId and
 * the customer's e-mail in varying case) through a real router and SQLite journal at concurrency 8, with
 * {@code match: email} (mode upsert). The fake never sees two requests for one customer in flight together, and
 * holds exactly 100 rows: each customer's first lead created it (looked up by {@code $filter=emailaddress1 eq ...},
 * compared ignoring case as Dataverse does), the other nine updated it.
 */
@Timeout(180)
class DynamicsPerCustomerTest extends FakeDynamicsTest {
  @TempDir
  Path dir;

  @Test
  void thousandLeadsOfHundredCustomers_concurrency8_noOverlap_exactlyHundredRows() {
    fake.processingTime(2); // requests take a moment, so leads of one customer would overlap if sent together
    DynamicsSink sink = fake.sink().match(Match.EMAIL).timeout(Duration.ofSeconds(30)).build();

    ManyCustomers.Result result = ManyCustomers.run(sink, 8, dir, Duration.ofSeconds(120));

    ManyCustomers.assertOrderedPerCustomer(result, fake.customers());
    assertThat(fake.customers().keys()).isEqualTo(ManyCustomers.CUSTOMERS);
    assertThat(fake.rows()).hasSize(ManyCustomers.CUSTOMERS);
    ManyCustomers.assertOneRecordPerCustomer(fake::rowsWithEmail);
  }

  /**
   * The control: the same sink declaring no per-customer ordering. The fake sees one customer's requests overlap, and
   * the e-mail match races (two lookups find nothing, two rows are created; later lookups find both and refuse to
   * guess): what the ordering prevents, and proof that the run above could fail.
   */
  @Test
  void control_withoutPerCustomerOrdering_theFakeSeesOverlaps_andTheMatchRaces() {
    fake.processingTime(200); // wide enough that a customer's first two leads overlap even on a loaded machine
    DynamicsSink sink = fake.sink().match(Match.EMAIL).timeout(Duration.ofSeconds(30)).build();

    ManyCustomers.Result result = ManyCustomers.run(ManyCustomers.withoutOrdering(sink), ManyCustomers.policy(8), dir,
        4, 20, Duration.ofSeconds(120));

    assertThat(fake.customers().overlaps()).as("requests of one customer in flight together").isPositive();
    assertThat(fake.rows().size() > 4 || result.failed() > 0).as("duplicates or refused guesses: " + result
        + ", rows " + fake.rows().size()).isTrue();
  }
}
