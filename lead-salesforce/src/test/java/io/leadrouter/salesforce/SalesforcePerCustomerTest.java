package io.leadrouter.salesforce;

import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.testkit.ManyCustomers;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One customer, one Salesforce Lead: 1,000 leads of 100 customers (10 each, interleaved, each with its own LeadId and
 * the customer's e-mail in varying case) through a real router and SQLite journal at concurrency 8, with
 * {@code match: email} (mode upsert). The fake org never sees two requests for one customer in flight together, and
 * holds exactly 100 Leads: each customer's first lead created it (found by SOQL {@code Email = '...'}, which ignores
 * case), the other nine updated it.
 */
@Timeout(180)
class SalesforcePerCustomerTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();

  @TempDir
  Path dir;

  @Test
  void thousandLeadsOfHundredCustomers_concurrency8_noOverlap_exactlyHundredLeads() {
    SalesforceSink sink = fake.sinkBuilder().externalIdField(FakeSalesforce.EXT_FIELD).match(Match.EMAIL)
        .maxConcurrency(8).timeout(Duration.ofSeconds(30)).build();

    ManyCustomers.assertOneRecordPerCustomer(sink, fake, dir, Duration.ofSeconds(120));
  }

  /**
   * The control: the same sink declaring no per-customer ordering. The fake sees one customer's requests overlap, and
   * the e-mail match races (two queries find nothing, two Leads are created; later queries find both and refuse to
   * guess): what the ordering prevents, and proof that the run above could fail.
   */
  @Test
  void control_withoutPerCustomerOrdering_theFakeSeesOverlaps_andTheMatchRaces() {
    SalesforceSink sink = fake.sinkBuilder().match(Match.EMAIL).maxConcurrency(8).timeout(Duration.ofSeconds(30))
        .build();

    ManyCustomers.assertControlRunRaces(sink, fake, dir);
  }
}
