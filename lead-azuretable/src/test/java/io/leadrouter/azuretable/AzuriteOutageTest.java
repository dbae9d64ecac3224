package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.data.tables.models.ListEntitiesOptions;
import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Azurite stopped in the middle of a run and started again on the same port and data: leads that failed while it
 * was down are retried (as the router would, on a transient failure) and end up delivered exactly once; the poller
 * misses nothing across the outage.
 */
class AzuriteOutageTest {
  @RegisterExtension static final AzuriteExtension AZURITE = AzuriteExtension.persistent();

  /** {@code p} once its table's rows are old enough to be taken (see {@link Azurite#settled}). */
  private static AzureTableLeadPoller settled(AzureTableLeadPoller p) {
    return AZURITE.azurite().settled(p);
  }
  @TempDir Path dir;

  private static AzureTableSink sink(String table) {
    return AzureTableSink.builder()
        .account(AzureTableAccount.connectionString(AZURITE.azurite().connectionString()))
        .tableName(table).createTableIfMissing(true).maxRetries(0).requestTimeout(Duration.ofSeconds(10))
        .connectTimeout(Duration.ofSeconds(2)).build();
  }

  private static long records(String table, Lead lead) {
    return AZURITE.azurite().table(table).listEntities(new ListEntitiesOptions()
        .setFilter("RowKey eq '" + lead.id() + "'"), null, null).stream().count();
  }

  @Test
  void azuriteStoppedMidRun_failedLeadsAreRetriedAndDeliveredOnceWhenItIsBack() throws Exception {
    String table = Azurite.uniqueTable("Outage");
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      leads.add(i % 2 == 0 ? SampleLeads.azureMarketplaceInstall() : SampleLeads.appSourceCreate());
    }
    List<Lead> pending = new ArrayList<>();
    try (AzureTableSink sink = sink(table)) {
      for (int i = 0; i < leads.size(); i++) {
        if (i == 4) {
          AZURITE.azurite().stop();
        }
        try {
          assertThat(sink.deliver(leads.get(i)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
        } catch (DeliveryException e) {
          assertThat(e).as("a failure while Azurite is down").isInstanceOf(TransientDeliveryException.class);
          pending.add(leads.get(i)); // the router reschedules it
        }
      }
      assertThat(pending).containsExactlyElementsOf(leads.subList(4, 8));

      AZURITE.azurite().ensureRunning(); // same port, same data
      for (Lead lead : pending) {
        assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      }
      // a retry after an ambiguous failure is harmless too
      assertThat(sink.deliver(leads.get(0)).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    }
    for (Lead lead : leads) {
      assertThat(records(table, lead)).as("entities for " + lead.id()).isEqualTo(1);
    }
  }

  /**
   * One poll, which must take {@code rows} rows: before, the module's Azurite wrote its whole database (every test's
   * tables) to disk on its only thread 5 s after each change, and a poll now and then went unanswered until its
   * timeout; this test retried for up to 60 s to get past it. Now the Azurite of the tests that stop it holds only
   * their few rows, and a first poll that fails fails the test.
   */
  private static int takeAll(AzureTableLeadPoller poller, int rows) {
    AzureTableLeadPoller.PollResult r = settled(poller).pollOnce();
    assertThat(r.failure()).as("the poll after the rows were written").isEmpty();
    return r.routed();
  }

  @Test
  void azuriteStoppedMidRun_pollerFailsThePollKeepsItsCheckpointAndMissesNothing() throws Exception {
    String table = Azurite.uniqueTable("OutagePoll");
    List<Lead> routed = Collections.synchronizedList(new ArrayList<>());
    List<Lead> written = new ArrayList<>();
    try (AzureTableSink sink = sink(table);
        AzureTableLeadPoller poller = AzureTableLeadPoller.builder()
            .account(AzureTableAccount.connectionString(AZURITE.azurite().connectionString()))
            .tableName(table).target(routed::add).checkpointStore(FileCheckpointStore.at(dir.resolve("cp.json")))
            .settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0).requestTimeout(Duration.ofSeconds(15))
            .connectTimeout(Duration.ofSeconds(2)).build()) {
      for (int i = 0; i < 3; i++) {
        Lead lead = SampleLeads.testDrive();
        sink.deliver(lead);
        written.add(lead);
      }
      assertThat(takeAll(poller, 3)).isEqualTo(3);
      PollerCheckpoint before = poller.checkpoint().orElseThrow();

      AZURITE.azurite().stop();
      AzureTableLeadPoller.PollResult down = settled(poller).pollOnce();
      assertThat(down.failure()).isPresent();
      assertThat(poller.checkpoint()).contains(before);

      AZURITE.azurite().ensureRunning();
      for (int i = 0; i < 2; i++) {
        Lead lead = SampleLeads.unicodeNames();
        sink.deliver(lead);
        written.add(lead);
      }
      assertThat(takeAll(poller, 2)).isEqualTo(2);
    }
    assertThat(routed).extracting(Lead::id).containsExactlyInAnyOrderElementsOf(
        written.stream().map(Lead::id).toList());
  }
}
