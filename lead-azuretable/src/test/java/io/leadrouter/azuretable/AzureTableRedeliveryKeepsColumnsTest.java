package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableEntityUpdateMode;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.testkit.SampleLeads;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A publisher's own columns on a lead's row (a status, an owner, set by its CRM import or by hand) survive a
 * redelivery of that lead (a retry after a lost answer, a replay), against a real Azurite, for {@code deliver} and
 * for a transaction. A redelivery of what the row holds writes nothing (the row's {@code Timestamp}, which publishers'
 * hourly {@code Timestamp gt <now-1h>} alerts read, stays); a changed lead replaces the lead's columns, dropping one
 * the lead no longer has ({@code Attributes}).
 */
class AzureTableRedeliveryKeepsColumnsTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  /** A table of this test's own (JUnit makes an instance per test). */
  private final String name = Azurite.uniqueTable("Redelivery");
  private final TableClient table = AZURITE.azurite().table(name);

  private static AzureTableSink sink(String table) {
    return AzureTableSink.builder()
        .account(AzureTableAccount.connectionString(AZURITE.azurite().connectionString()))
        .tableName(table).createTableIfMissing(true).build();
  }

  /** {@code count} marketplace leads of one creation day (one partition, one transaction), ids starting so. */
  private static List<Lead> leads(String prefix, int count) {
    Lead base = SampleLeads.azureMarketplaceInstall();
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      leads.add(base.toBuilder().id(LeadId.of(prefix + i + "-" + base.id().value())).build());
    }
    return leads;
  }

  /** What a publisher does between two deliveries: adds its own columns to the lead's row. */
  private static void publisherAddsColumns(TableClient table, Lead lead) {
    TableEntity own = new TableEntity(MarketplaceCodec.partitionKey(lead.createdTime()), lead.id().value())
        .addProperty("Status", "Contacted").addProperty("Owner", "sales-emea");
    table.updateEntity(own, TableEntityUpdateMode.MERGE);
  }

  private static void assertKeptAndRewritten(TableClient table, Lead lead) {
    TableEntity row = table.getEntity(MarketplaceCodec.partitionKey(lead.createdTime()), lead.id().value());
    assertThat(row.getProperty("Status")).as("the publisher's column").isEqualTo("Contacted");
    assertThat(row.getProperty("Owner")).as("the publisher's column").isEqualTo("sales-emea");
    assertThat(row.getProperty("LeadSource")).isEqualTo(MarketplaceCodec.standard().toTableEntity(lead)
        .get("LeadSource"));
    assertThat(row.getProperty("CustomerInfo")).isEqualTo(MarketplaceCodec.standard().toTableEntity(lead)
        .get("CustomerInfo"));
  }

  @Test
  void deliver_redelivery_keepsColumnsThePublisherAdded() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (AzureTableSink sink = sink(name)) {
      assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      publisherAddsColumns(table, lead);

      assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    }
    assertKeptAndRewritten(table, lead);
  }

  @Test
  void deliverBatch_redelivery_keepsColumnsThePublisherAdded() throws Exception {
    List<Lead> leads = leads("merge-", 3);
    try (AzureTableSink sink = sink(name)) {
      assertThat(sink.deliverBatch(leads)).allSatisfy(r -> assertThat(r.failure()).isEmpty());
      leads.forEach(lead -> publisherAddsColumns(table, lead));

      List<BatchItemResult> again = sink.deliverBatch(leads);

      assertThat(again).allSatisfy(r -> assertThat(r.result().orElseThrow().outcome())
          .isEqualTo(DeliveryOutcome.UPDATED));
    }
    leads.forEach(lead -> assertKeptAndRewritten(table, lead));
  }

  private static TableEntity row(TableClient table, Lead lead) {
    return table.getEntity(MarketplaceCodec.partitionKey(lead.createdTime()), lead.id().value());
  }

  @Test
  void deliver_redeliveryOfWhatTheRowHolds_writesNothing_theRowsTimestampStays() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (AzureTableSink sink = sink(name)) {
      sink.deliver(lead);
      TableEntity first = row(table, lead);

      assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
      assertThat(sink.deliverBatch(List.of(lead))).singleElement().satisfies(r -> assertThat(r.result()
          .orElseThrow().outcome()).isEqualTo(DeliveryOutcome.UPDATED));

      // before, each redelivery merged the columns again: a new Timestamp, and the hourly alert e-mailed the lead again
      assertThat(row(table, lead).getTimestamp()).isEqualTo(first.getTimestamp());
      assertThat(row(table, lead).getETag()).isEqualTo(first.getETag());
    }
  }

  @Test
  void deliver_changedLeadWithoutItsAttributes_replacesTheLeadsColumns_keepsThePublishers() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (AzureTableSink sink = sink(name)) {
      sink.deliver(lead.toBuilder().attribute("campaign", "spring").build());
      publisherAddsColumns(table, lead);

      assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    }
    assertKeptAndRewritten(table, lead);
    // before, the merge kept the Attributes column of the first delivery, and the poller read the lead back with it
    assertThat(row(table, lead).getProperties()).doesNotContainKey("Attributes");
    assertThat(MarketplaceCodec.standard().fromTableEntity(row(table, lead).getProperties()).attributes())
        .doesNotContainKey("campaign").containsKeys("Status", "Owner");
  }

  @Test
  void deliverBatch_changedLeadsWithoutTheirAttributes_replaceTheLeadsColumns_unchangedOnesAreNotWritten()
      throws Exception {
    List<Lead> leads = leads("changed-", 4);
    try (AzureTableSink sink = sink(name)) {
      sink.deliverBatch(leads.stream().map(l -> l.toBuilder().attribute("campaign", "spring").build()).toList());
      // the last lead comes again as it was delivered: its row is not written
      leads.set(3, leads.get(3).toBuilder().attribute("campaign", "spring").build());
      leads.forEach(lead -> publisherAddsColumns(table, lead));
      TableEntity unchanged = row(table, leads.get(3));

      assertThat(sink.deliverBatch(leads)).allSatisfy(r -> assertThat(r.result().orElseThrow().outcome())
          .isEqualTo(DeliveryOutcome.UPDATED));

      assertThat(row(table, leads.get(3)).getTimestamp()).isEqualTo(unchanged.getTimestamp());
    }
    leads.forEach(lead -> assertKeptAndRewritten(table, lead));
    for (Lead lead : leads.subList(0, 3)) {
      assertThat(row(table, lead).getProperties()).as(lead.id().value()).doesNotContainKey("Attributes");
    }
    assertThat(row(table, leads.get(3)).getProperty("Attributes")).isEqualTo("{\"campaign\":\"spring\"}");
  }
}
