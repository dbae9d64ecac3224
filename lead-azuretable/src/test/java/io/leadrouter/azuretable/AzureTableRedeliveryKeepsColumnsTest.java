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
 * redelivery of that lead (a retry after a lost answer, a replay): the sink merges its columns into the existing
 * entity instead of replacing it, against a real Azurite, for {@code deliver} and for a transaction.
 */
class AzureTableRedeliveryKeepsColumnsTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();

  private static AzureTableSink sink(String table) {
    return AzureTableSink.builder()
        .account(AzureTableAccount.connectionString(AZURITE.azurite().connectionString()))
        .tableName(table).createTableIfMissing(true).build();
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
    String name = Azurite.uniqueTable("Merge");
    TableClient table = AZURITE.azurite().table(name);
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
    String name = Azurite.uniqueTable("MergeBatch");
    TableClient table = AZURITE.azurite().table(name);
    Lead base = SampleLeads.azureMarketplaceInstall();
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      leads.add(base.toBuilder().id(LeadId.of("merge-" + i + "-" + base.id().value())).build());
    }
    try (AzureTableSink sink = sink(name)) {
      assertThat(sink.deliverBatch(leads)).allSatisfy(r -> assertThat(r.failure()).isEmpty());
      leads.forEach(lead -> publisherAddsColumns(table, lead));

      List<BatchItemResult> again = sink.deliverBatch(leads);

      assertThat(again).allSatisfy(r -> assertThat(r.result().orElseThrow().outcome())
          .isEqualTo(DeliveryOutcome.UPDATED));
    }
    leads.forEach(lead -> assertKeptAndRewritten(table, lead));
  }
}
