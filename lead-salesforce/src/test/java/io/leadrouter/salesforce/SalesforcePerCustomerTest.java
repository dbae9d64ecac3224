package io.leadrouter.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.Secret;
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
    fake.processingTime(2); // requests take a moment, so leads of one customer would overlap if sent together
    SalesforceSink sink = SalesforceSink.builder().myDomain(fake.url()).clientId(FakeSalesforce.CLIENT_ID)
        .clientSecret(Secret.of(FakeSalesforce.CLIENT_SECRET)).externalIdField(FakeSalesforce.EXT_FIELD)
        .match(Match.EMAIL).maxConcurrency(8).timeout(Duration.ofSeconds(30)).build();

    ManyCustomers.Result result = ManyCustomers.run(sink, 8, dir, Duration.ofSeconds(120));

    ManyCustomers.assertOrderedPerCustomer(result, fake.customers());
    assertThat(fake.customers().keys()).isEqualTo(ManyCustomers.CUSTOMERS);
    assertThat(fake.leads()).hasSize(ManyCustomers.CUSTOMERS);
    ManyCustomers.assertOneRecordPerCustomer(fake::leadsWithEmail);
  }

  /**
   * The control: the same sink declaring no per-customer ordering. The fake sees one customer's requests overlap, and
   * the e-mail match races (two queries find nothing, two Leads are created; later queries find both and refuse to
   * guess): what the ordering prevents, and proof that the run above could fail.
   */
  @Test
  void control_withoutPerCustomerOrdering_theFakeSeesOverlaps_andTheMatchRaces() {
    fake.processingTime(200); // wide enough that a customer's first two leads overlap even on a loaded machine
    SalesforceSink sink = SalesforceSink.builder().myDomain(fake.url()).clientId(FakeSalesforce.CLIENT_ID)
        .clientSecret(Secret.of(FakeSalesforce.CLIENT_SECRET)).match(Match.EMAIL).maxConcurrency(8)
        .timeout(Duration.ofSeconds(30)).build();

    ManyCustomers.Result result = ManyCustomers.run(ManyCustomers.withoutOrdering(sink), ManyCustomers.policy(8), dir,
        4, 20, Duration.ofSeconds(120));

    assertThat(fake.customers().overlaps()).as("requests of one customer in flight together").isPositive();
    assertThat(fake.leads().size() > 4 || result.failed() > 0).as("duplicates or refused guesses: " + result
        + ", Leads " + fake.leads().size()).isTrue();
  }
}
