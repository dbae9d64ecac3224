package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Before: a payload over one of the JSON reader's limits was quarantined as "not valid JSON" (a key over 50,000
 * characters) or "the kept table row is not JSON (StreamConstraintsException)", which says neither what is wrong nor
 * what to fix; a table row's {@code Attributes} number over 1,000 digits (kept as written in a body) and a kept table
 * row over 1 MiB (a row the Table service holds) were unreadable. Each limit is now said as that: what, how large,
 * the limit.
 */
class ReaderLimitsTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();
  private static final String LONG_KEY = "utm_" + "k".repeat(50_000);

  private static ReadResult.Unreadable unreadable(ReadResult r) {
    assertThat(r).isInstanceOf(ReadResult.Unreadable.class);
    return (ReadResult.Unreadable) r;
  }

  @Test
  void keyOverTheLimit_isSaidAsAKeyTooLong_withWhereItStandsItsStartAndTheLimit() {
    byte[] body = ("{\"UserDetails\":{\"Email\":\"a@contoso.com\",\"" + LONG_KEY + "\":1},\"LeadSource\":"
        + "\"AzureMarketplace-INS|x\"}").getBytes(StandardCharsets.UTF_8);

    ReadResult.Unreadable u = unreadable(CODEC.read(body));

    assertThat(u.diagnosis().code()).isEqualTo("PAYLOAD_KEY_TOO_LONG");
    assertThat(u.diagnosis().message()).isEqualTo("UserDetails at line 1, column 41: holds a key of 50004 characters"
        + " (starting 'utm_kkkkkkkkkkkkkkkk...'), over the limit of 50000 characters a key; the marketplace's keys are"
        + " a few characters");
    assertThat(u.diagnosis().remediation()).isEqualTo("send data under a short key, as a value, never as the key"
        + " itself");
    assertThat(u.notALead()).as("quarantined, not refused").isFalse();
  }

  /** An array's element with such a key is kept alone; the other elements are leads (the array was unsplittable). */
  @Test
  void arrayElementWithAKeyOverTheLimit_isKeptAlone() {
    byte[] body = ("[{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|x\"},"
        + "{\"UserDetails\":{\"Email\":\"b@contoso.com\"},\"" + LONG_KEY + "\":\"v\"}]").getBytes(StandardCharsets.UTF_8);

    assertThat(MarketplaceCodec.arrayLength(body)).isEqualTo(2);
    assertThat(CODEC.readElement(MarketplaceCodec.arrayElements(body).get(1), 1)).isInstanceOfSatisfying(
        ReadResult.Unreadable.class, u -> assertThat(u.diagnosis().message()).startsWith("[1] at line 1, column 42 of"
            + " the element: holds a key of 50004 characters"));
  }

  private static Map<String, Object> row(String attributes) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("RowKey", "r-1");
    row.put("CustomerInfo", "{\"Email\":\"a@contoso.com\"}");
    row.put("LeadSource", "AzureMarketplace-INS|contoso.crm");
    row.put("Attributes", attributes);
    row.put("CreatedTime", java.time.OffsetDateTime.parse("2026-11-25T10:15:30Z"));
    return row;
  }

  @Test
  void attributesColumnOverAReaderLimit_namesTheLimit_notJustNotJson() {
    ReadResult.Unreadable key = unreadable(CODEC.readTableEntity(row("{\"" + LONG_KEY + "\":1}")));
    ReadResult.Unreadable deep = unreadable(CODEC.readTableEntity(row("{\"n\":" + "[".repeat(40) + "]".repeat(40)
        + "}")));

    assertThat(key.diagnosis().code()).isEqualTo("PAYLOAD_KEY_TOO_LONG");
    assertThat(key.diagnosis().message()).startsWith("Attributes").contains(": holds a key of 50004 characters, over"
        + " the limit of 50000 characters a key;");
    assertThat(deep.diagnosis().code()).isEqualTo("PAYLOAD_TOO_DEEP");
    assertThat(deep.diagnosis().message()).startsWith("Attributes").contains(": is nested 33 levels deep, over the"
        + " limit of 32 levels;");
    assertThat(key.diagnosis().message() + deep.diagnosis().message()).doesNotContain("not valid JSON",
        "StreamReadConstraints");
  }

  /** A number is kept as written, however long, in a table row's Attributes as in a body. */
  @Test
  void longNumberInTheAttributesColumn_isKeptAsWritten_asInABody() {
    String digits = "1".repeat(2_000);

    ReadResult r = CODEC.readTableEntity(row("{\"n\":" + digits + "}"));

    assertThat(r).isInstanceOfSatisfying(ReadResult.Readable.class,
        ok -> assertThat(ok.lead().attributes()).containsEntry("n", digits));
  }

  /** A row the Table service holds (1 MiB an entity) is read back from quarantine as the row it was. */
  @Test
  void keptTableRowOverAMebibyte_readsBackAsTheRow() {
    Map<String, Object> row = row("{}");
    for (int i = 0; i < 20; i++) {
      row.put("Notes" + i, "\u0001".repeat(16_000)); // control characters: six bytes each as JSON
    }

    byte[] kept = CODEC.tableRowJson(row);

    assertThat(kept.length).isGreaterThan(1 << 20);
    assertThat(CODEC.readTableRow(kept)).isEqualTo(CODEC.readTableEntity(row));
  }
}
