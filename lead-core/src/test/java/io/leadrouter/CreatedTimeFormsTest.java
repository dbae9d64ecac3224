package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A sender's CreatedTime in every ISO 8601 / RFC 3339 form that names one instant is read as that instant. */
class CreatedTimeFormsTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();

  private static Lead body(String createdTime) {
    String json = "{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\","
        + "\"CreatedTime\":\"" + createdTime + "\"}";
    return ((ReadResult.Readable) CODEC.read(json.getBytes(StandardCharsets.UTF_8))).lead();
  }

  private static Lead row(String createdTime) {
    return ((ReadResult.Readable) CODEC.readTableEntity(Map.of("PartitionKey", "11:2F25:2F2026", "RowKey", "r-1",
        "CustomerInfo", "{\"Email\":\"a@contoso.com\"}", "LeadSource", "AzureMarketplace-INS|contoso.crm",
        "CreatedTime", createdTime))).lead();
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      // before: each of these was flagged CREATED_TIME_UNREADABLE and the lead stamped with the time of receipt
      "2026-11-25T10:15:30+0100;          2026-11-25T09:15:30Z", // offset without colon (Python %z, ISO basic)
      "2026-11-25T10:15:30−05:00;         2026-11-25T15:15:30Z", // ISO 8601's own minus sign U+2212
      "2026-11-25 10:15:30Z;              2026-11-25T10:15:30Z", // RFC 3339 allows a space for the T
      "2026-11-25 10:15:30.250+00:00;     2026-11-25T10:15:30.250Z",
      "2026-11-25T10:15:30,5Z;            2026-11-25T10:15:30.500Z", // ISO 8601's decimal comma
      "20261125T101530Z;                  2026-11-25T10:15:30Z", // basic format
      "20261125T1015+0530;                2026-11-25T04:45:00Z",
      "2026-329T10:15:30Z;                2026-11-25T10:15:30Z", // ordinal date
      "2026-W48-3T10:15:30Z;              2026-11-25T10:15:30Z", // week date: Wednesday of week 48
      "2026W483T101530Z;                  2026-11-25T10:15:30Z",
      "2026-11-25T10Z;                    2026-11-25T10:00:00Z", // hour only
      "2026-11-25T10:15:30 +01:00;        2026-11-25T09:15:30Z",
      "' 2026-11-25T10:15:30Z ';          2026-11-25T10:15:30Z", // white space around it
      "2026-11-25T10:15:30.1234567Z;      2026-11-25T10:15:30.1234567Z", // .NET's seven digits, as before
      "2026-11-25t10:15:30z;              2026-11-25T10:15:30Z",
      // the Microsoft JSON date (WCF, OData v2): milliseconds since the epoch; an offset after them moves nothing
      "/Date(1795601730000)/;             2026-11-25T10:15:30Z",
      "/Date(1795601730250+0100)/;        2026-11-25T10:15:30.250Z",
      "/Date(-1000)/;                     1969-12-31T23:59:59Z"})
  void everyIsoFormNamingOneInstant_isReadAsThatInstant_inABodyAndATableRow(String sent, String instant) {
    for (Lead lead : new Lead[] {body(sent), row(sent)}) {
      assertThat(lead.createdTime()).as(sent).isEqualTo(Instant.parse(instant));
      assertThat(lead.flags()).as(sent).isEmpty();
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "2026-11-25T10:15:30;   has no UTC offset (Z or +01:00), so which instant is meant cannot be told",
      "20261125T101530;       has no UTC offset (Z or +01:00), so which instant is meant cannot be told",
      "2026-11-25;            is a date without a time and UTC offset, so which instant is meant cannot be told",
      "2026-02-30T10:15:30Z;  is not an ISO 8601 time: its date does not exist",
      "2026-W54-1T10:15:30Z;  is not an ISO 8601 time: its date does not exist",
      "2026-11-25T25:15:30Z;  is not an ISO 8601 time: a field is out of range",
      "yesterday;             is not an ISO 8601 time",
      "/Date(abc)/;           is not an ISO 8601 time",
      "/Date(1795601730000;   is not an ISO 8601 time",
      "/Date(99999999999999999999)/;  is not an ISO 8601 time",
      "/Date(9223372036854775807)/;   is a Microsoft JSON date whose milliseconds are out of range",
      "/Date(9999999999999999999)/;   is a Microsoft JSON date whose milliseconds are out of range"})
  void aTimeNamingNoInstant_isFlaggedWithWhy_andNeverGuessed(String sent, String why) {
    Instant before = Instant.now();
    for (Lead lead : new Lead[] {body(sent), row(sent)}) {
      assertThat(lead.createdTime()).as(sent).isAfterOrEqualTo(before); // the time of receipt, as the flag says
      LeadFlag f = lead.flags().get(0);
      assertThat(f.code()).isEqualTo(LeadFlag.CREATED_TIME_UNREADABLE);
      assertThat(f.message()).as(sent).contains(why).endsWith("the time of receipt is used");
      assertThat(f.original()).isEqualTo(sent);
    }
  }

  @Test
  void aMicrosoftJsonDateEscapedAsItIsInJson_isReadAsItsInstant() {
    assertThat(body("\\/Date(1795601730000)\\/").createdTime()).isEqualTo(Instant.parse("2026-11-25T10:15:30Z"));
  }

  @Test
  void aLocalTimeWithoutOffset_saysSo_notThatItIsNoIsoTime() {
    // before: "'2026-11-25T10:15:30' is not an ISO-8601 time", which it is: the fix is to add the offset
    assertThat(body("2026-11-25T10:15:30").flags().get(0).message()).isEqualTo("'2026-11-25T10:15:30' has no UTC offset (Z or +01:00), so which instant is meant cannot be told (write it like"
        + " 2026-11-25T10:15:30Z); the time of receipt is used");
  }

  @Test
  void aTableRowsCreatedTimeOfATypeNamingNoInstant_isFlagged_notThrown() {
    // before: a java.time.LocalDateTime column threw DateTimeException out of readTableEntity (the row was lost to
    // the caller's exception handling, neither read nor quarantined)
    ReadResult r = CODEC.readTableEntity(Map.of("RowKey", "r-2", "CustomerInfo", "{}", "LeadSource", "AzureMarketplace-INS|x",
        "CreatedTime", java.time.LocalDateTime.parse("2026-11-25T10:15:30")));

    assertThat(((ReadResult.Readable) r).lead().flags()).extracting(LeadFlag::code)
        .containsExactly(LeadFlag.CREATED_TIME_UNREADABLE);
  }
}
