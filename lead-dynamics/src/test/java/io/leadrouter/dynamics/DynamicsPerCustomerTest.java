package io.leadrouter.dynamics;

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

  private static DynamicsSink sink() {
    return fake.sink().match(Match.EMAIL).timeout(Duration.ofSeconds(30)).build();
  }

  @Test
  void thousandLeadsOfHundredCustomers_concurrency8_noOverlap_exactlyHundredRows() {
    ManyCustomers.assertOneRecordPerCustomer(sink(), fake, dir, Duration.ofSeconds(120));
  }

  /**
   * The control: the same sink declaring no per-customer ordering. The fake sees one customer's requests overlap, and
   * the e-mail match races (two lookups find nothing, two rows are created; later lookups find both and refuse to
   * guess): what the ordering prevents, and proof that the run above could fail.
   */
  @Test
  void control_withoutPerCustomerOrdering_theFakeSeesOverlaps_andTheMatchRaces() {
    ManyCustomers.assertControlRunRaces(sink(), fake, dir);
  }
}
