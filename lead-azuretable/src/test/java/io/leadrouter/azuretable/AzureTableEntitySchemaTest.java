package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.data.tables.models.TableEntity;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.Lead;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.testkit.SampleLeads;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The entity in the table is the one DOMAIN.md describes for the marketplace's {@code MarketplaceLeads}: read back
 * through a plain SDK client, column by column, with its Edm types.
 */
class AzureTableEntitySchemaTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  private static final ObjectMapper JSON = new ObjectMapper();

  private TableEntity deliverAndRead(Lead lead, String table) throws Exception {
    try (AzureTableSink sink = AzureTableSink.builder()
        .account(AzureTableAccount.connectionString(AZURITE.azurite().connectionString()))
        .tableName(table).createTableIfMissing(true).build()) {
      assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    }
    return AZURITE.azurite().table(table).getEntity(MarketplaceCodec.partitionKey(lead.createdTime()),
        lead.id().value());
  }

  @Test
  void deliver_marketplaceLead_writesExactlyTheMarketplaceColumns() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    TableEntity e = deliverAndRead(lead, "MarketplaceLeads");

    // PartitionKey: creation date M/d/yyyy with '/' escaped as ':2F'; RowKey: the lead id
    assertThat(e.getPartitionKey()).isEqualTo("11:2F25:2F2026");
    assertThat(e.getRowKey()).isEqualTo(lead.id().value());
    Map<String, Object> columns = new TreeMap<>(e.getProperties());
    // the service's own columns and the SDK's OData annotations are not ours
    columns.keySet().removeIf(k -> k.startsWith("odata.") || k.startsWith("Timestamp") || k.equals("PartitionKey")
        || k.equals("RowKey"));
    assertThat(columns.remove("CreatedTime@odata.type")).isEqualTo("Edm.DateTime");
    assertThat(columns.keySet()).containsExactlyInAnyOrder("ActionCode", "CreatedTime", "CustomerInfo",
        "Description", "LeadSource", "OfferDisplayName");
    assertThat(columns.get("ActionCode")).isEqualTo("INS");
    // CreatedTime is an Edm.DateTime (annotated above), not a string, so date queries on it work
    assertThat(columns.get("CreatedTime")).isInstanceOf(OffsetDateTime.class);
    assertThat(((OffsetDateTime) columns.get("CreatedTime")).withOffsetSameInstant(ZoneOffset.UTC))
        .isEqualTo(OffsetDateTime.parse("2026-11-25T10:15:30Z"));
    assertThat(columns.get("Description")).isEqualTo("{\"mktcmpid\":\"blog\"}");
    assertThat(columns.get("LeadSource")).isEqualTo("AzureMarketplace-INS|contoso.crm-connector");
    assertThat(columns.get("OfferDisplayName")).isEqualTo("Contoso CRM Connector");
    // CustomerInfo: the marketplace's JSON object, as a string
    assertThat(columns.get("CustomerInfo")).isInstanceOf(String.class);
    JsonNode customer = JSON.readTree((String) columns.get("CustomerInfo"));
    assertThat(customer.toString()).isEqualTo("{\"FirstName\":\"Jane\",\"LastName\":\"Doe\","
        + "\"Email\":\"jane.doe@contoso.com\",\"Phone\":\"+1 425 555 0100\",\"Country\":\"US\","
        + "\"Company\":\"Contoso\",\"Title\":\"CTO\"}");
    // and the publishers' alert query ("Timestamp gt <now-1h>") sees a service-set Timestamp
    assertThat(e.getTimestamp()).isNotNull();
  }

  @Test
  void deliver_dncOnlyInActionCode_isStoredAsTheMarketplaceWritesIt_actionCodeDnc() throws Exception {
    Lead lead = MarketplaceCodec.standard().fromJson(("{\"UserDetails\":{\"Email\":\"kim@contoso.com\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\",\"ActionCode\":\"DNC\",\"LeadId\":\"dnc-1\","
        + "\"CreatedTime\":\"2026-11-25T10:15:30Z\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    TableEntity e = deliverAndRead(lead, "SchemaDnc");
    assertThat(e.getProperty("ActionCode")).isEqualTo("DNC");
    assertThat(e.getProperty("LeadSource")).isEqualTo("AzureMarketplace-INS|contoso.crm");
    assertThat(MarketplaceCodec.standard().fromTableEntity(e.getProperties()).isDoNotContact()).isTrue();
  }

  @Test
  void deliver_leadWithAttributes_addsOnlyAnAttributesJsonColumn() throws Exception {
    Lead lead = SampleLeads.unicodeNames().toBuilder().attribute("campaign", "spring").build();
    TableEntity e = deliverAndRead(lead, "SchemaAttributes");
    assertThat(e.getProperty("Attributes")).isEqualTo("{\"campaign\":\"spring\"}");
    assertThat(JSON.readTree((String) e.getProperty("CustomerInfo")).get("Company").asText())
        .isEqualTo("Müller & Söhne 株式会社");
    // the core codec reads the stored entity back to the same lead
    Lead back = MarketplaceCodec.standard().fromTableEntity(e.getProperties());
    assertThat(back.id()).isEqualTo(lead.id());
    assertThat(back.customer()).isEqualTo(lead.customer());
    assertThat(back.source()).isEqualTo(lead.source());
    assertThat(back.createdTime()).isEqualTo(lead.createdTime());
    assertThat(back.attributes()).containsEntry("campaign", "spring");
  }
}
