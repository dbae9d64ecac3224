package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Hostile intake audit (third): Azure Table rows whose columns are typed ({@code Edm.Int64}, {@code Edm.Binary},
 * {@code Edm.DateTime}...) where the marketplace writes strings, as the poller hands them to the codec. The diagnosis
 * names the type as the Table service (and the row's writer) names it; a value kept in a flag is what was sent.
 * Failed before: "is byte[]", and a binary CreatedTime kept as {@code [B@1f2e...}.
 */
class TypedTableRowTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();

  private static Map<String, Object> row(String column, Object value) {
    Map<String, Object> row = new TreeMap<>();
    row.put("PartitionKey", "12:2F1:2F2026");
    row.put("RowKey", "row-1");
    row.put("CustomerInfo", "{\"Email\":\"ann@contoso.com\"}");
    row.put("LeadSource", "AzureMarketplace-INS|contoso.crm");
    row.put(column, value);
    return row;
  }

  @Test
  void aTextColumnOfAnotherType_isUnreadable_namingTheTableServicesType() {
    ReadResult binary = CODEC.readTableEntity(row("CustomerInfo", new byte[] {1, 2, 3}));
    ReadResult number = CODEC.readTableEntity(row("LeadSource", 42));
    ReadResult guid = CODEC.readTableEntity(row("Description", UUID.randomUUID()));

    assertThat(((ReadResult.Unreadable) binary).diagnosis()).hasToString("PAYLOAD_WRONG_TYPE: CustomerInfo: is"
        + " Edm.Binary, but must be text (Edm.String); it is not converted. Fix: write CustomerInfo as a string column"
        + " (Edm.String)");
    assertThat(((ReadResult.Unreadable) number).diagnosis().message()).startsWith("LeadSource: is Edm.Int32,");
    assertThat(((ReadResult.Unreadable) guid).diagnosis().message()).startsWith("Description: is Edm.Guid,");
    // kept in quarantine as the row's JSON, it reads back to the same diagnosis
    assertThat(CODEC.readTableRow(CODEC.tableRowJson(row("CustomerInfo", new byte[] {1, 2, 3})))).isEqualTo(binary);
  }

  /**
   * A text column holding half a character (the Table service stores what an escaped {@code \uD800} gave it): the
   * HTTPS intake quarantines such text (PAYLOAD_LONE_SURROGATE); the table intake passed it on as a lead, unflagged.
   */
  @Test
  void aTextColumnHoldingALoneSurrogate_isUnreadable_namingTheColumnAndWhere() {
    ReadResult description = CODEC.readTableEntity(row("Description", "x\ud800y"));
    ReadResult offer = CODEC.readTableEntity(row("OfferDisplayName", "Contoso\udc00"));
    ReadResult extra = CODEC.readTableEntity(row("Status", "\ud83d\ude00 ok \ud83d"));
    ReadResult whole = CODEC.readTableEntity(row("Description", "\ud83d\ude00 an emoji is a whole pair"));

    assertThat(((ReadResult.Unreadable) description).diagnosis()).hasToString("PAYLOAD_LONE_SURROGATE: Description:"
        + " holds a lone surrogate \\uD800 at character 2, half of a character that cannot be read. Fix: write"
        + " Description as valid Unicode");
    assertThat(((ReadResult.Unreadable) offer).diagnosis().message()).startsWith("OfferDisplayName: holds a lone "
        + "surrogate \\uDC00 at character 8,");
    assertThat(((ReadResult.Unreadable) extra).diagnosis().message()).startsWith("Status: holds a lone surrogate "
        + "\\uD83D at character 7,");
    assertThat(whole).isInstanceOf(ReadResult.Readable.class);
    // kept in quarantine as the row's JSON, it reads back to the same diagnosis
    assertThat(CODEC.readTableRow(CODEC.tableRowJson(row("Description", "x\ud800y")))).isEqualTo(description);
  }

  @Test
  void aCreatedTimeThatIsNoTime_isFlagged_withTheValueAsSent_neverAnArraysIdentity() {
    Lead binary = ((ReadResult.Readable) CODEC.readTableEntity(row("CreatedTime", new byte[] {1, 2, 3}))).lead();
    Lead ticks = ((ReadResult.Readable) CODEC.readTableEntity(row("CreatedTime", 639_001_234_567_890_000L))).lead();
    Lead typed = ((ReadResult.Readable) CODEC.readTableEntity(row("CreatedTime",
        OffsetDateTime.of(2026, 12, 1, 10, 0, 0, 0, ZoneOffset.UTC)))).lead();

    assertThat(binary.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.CREATED_TIME_UNREADABLE);
      assertThat(f.message()).isEqualTo("is Edm.Binary, neither a time (Edm.DateTime) nor an ISO-8601 text; the time"
          + " of receipt is used");
      assertThat(f.original()).isEqualTo("AQID");
    });
    assertThat(ticks.flags()).singleElement().satisfies(f -> {
      assertThat(f.message()).startsWith("is Edm.Int64, neither a time");
      assertThat(f.original()).isEqualTo("639001234567890000");
    });
    assertThat(typed.flags()).isEmpty();
    assertThat(typed.createdTime()).isEqualTo("2026-12-01T10:00:00Z");
  }

  @Test
  void extraTypedColumns_areKeptAsTheirText() {
    Map<String, Object> row = row("Score", 4.5);
    row.put("Seats", 12L);
    row.put("Blob", new byte[] {1, 2, 3});
    row.put("Consent", true);

    Lead lead = ((ReadResult.Readable) CODEC.readTableEntity(row)).lead();

    assertThat(lead.attributes()).containsEntry("Score", "4.5").containsEntry("Seats", "12")
        .containsEntry("Blob", "AQID").containsEntry("Consent", "true");
    assertThat(lead.customer().email()).isEqualTo("ann@contoso.com");
  }
}
