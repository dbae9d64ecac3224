package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The marketplace's Azure Table row (DOMAIN.md: PartitionKey, RowKey = the lead's id, CustomerInfo as JSON text,
 * OfferDisplayName...) posted as a body, as a flow forwarding the MarketplaceLeads row sends it. Before, it was read as
 * a body with no LeadId: its id derived from its bytes, RowKey and PartitionKey sent on to every CRM as the lead's own
 * keys; the same lead polled from the table (id RowKey) was a second lead, delivered twice. Now it is read as the row.
 */
class TableRowAsBodyTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();

  @TempDir
  Path dir;

  private static Map<String, Object> row() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("PartitionKey", "12:2F3:2F2026");
    row.put("RowKey", "9f0c2a4e-mp-lead-7");
    row.put("Timestamp", "2026-12-03T10:00:01Z");
    row.put("ActionCode", "INS");
    row.put("CreatedTime", "2026-12-03T10:00:00Z");
    row.put("CustomerInfo", "{\"FirstName\":\"Jane\",\"Email\":\"jane@contoso.com\",\"Country\":\"USA\"}");
    row.put("Description", "{\"mktcmpid\":\"blog\"}");
    row.put("LeadSource", "AzureMarketplace-INS|contoso.crm");
    row.put("OfferDisplayName", "Contoso CRM");
    return row;
  }

  private static byte[] asBody(Map<String, Object> row) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(row);
  }

  @Test
  void tableRowPostedAsABody_isReadAsThatRow_itsIdTheRowKey() throws Exception {
    ReadResult body = CODEC.read(asBody(row()));
    ReadResult line = CODEC.readLine(asBody(row()), 3);
    ReadResult polled = CODEC.readTableEntity(row());

    assertThat(body).isInstanceOfSatisfying(ReadResult.Readable.class, r -> {
      assertThat(r.lead().id()).isEqualTo(LeadId.of("9f0c2a4e-mp-lead-7"));
      assertThat(r.lead().customer().email()).isEqualTo("jane@contoso.com");
      assertThat(r.lead().customer().country()).isEqualTo("US");
      assertThat(r.lead().offerTitle()).isEqualTo("Contoso CRM");
      assertThat(r.lead().attributes()).doesNotContainKeys("RowKey", "PartitionKey", "Timestamp");
      assertThat(r.lead()).isEqualTo(((ReadResult.Readable) polled).lead());
    });
    assertThat(line).isEqualTo(body);
  }

  @Test
  void sameLeadPolledFromTheTableAndPosted_isOneLead_deliveredOnce() throws Exception {
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r"))).defaultRoute("crm").build()) {
      byte[] bytes = asBody(row());
      IntakeReceipt polled = router.intake(CODEC.readTableEntity(row()), bytes, "azure table MarketplaceLeads");
      IntakeReceipt posted = router.intake(bytes, "serve POST /leads");

      assertThat(polled).isInstanceOf(IntakeReceipt.Routed.class);
      assertThat(posted).isInstanceOfSatisfying(IntakeReceipt.Routed.class,
          r -> assertThat(r.receipt().duplicate()).as("the same lead").isTrue());
      assertThat(router.quarantineCount()).isZero();
    }
  }

  /** A body that only carries such keys beside the marketplace's own shape is read as the body it is. */
  @Test
  void bodyWithACustomerObjectOrALeadId_staysABody() {
    String customerObject = "{\"CustomerInfo\":{\"Email\":\"jane@contoso.com\"},\"RowKey\":\"r\",\"PartitionKey\":\"p\","
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}";
    String withLeadId = "{\"LeadId\":\"mp-1\",\"CustomerInfo\":\"{}\",\"RowKey\":\"r\",\"PartitionKey\":\"p\","
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}";

    Lead a = ((ReadResult.Readable) CODEC.read(customerObject.getBytes(StandardCharsets.UTF_8))).lead();
    Lead b = ((ReadResult.Readable) CODEC.read(withLeadId.getBytes(StandardCharsets.UTF_8))).lead();

    assertThat(a.id().value()).startsWith("sha256-");
    assertThat(a.attributes()).containsEntry("RowKey", "r");
    assertThat(b.id()).isEqualTo(LeadId.of("mp-1"));
    assertThat(b.attributes()).containsEntry("RowKey", "r");
  }
}
