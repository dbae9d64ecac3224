package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A table row kept in quarantine ({@link MarketplaceCodec#tableRowJson}) reads back as the row it was
 * ({@link MarketplaceCodec#readTableRow}); bytes that are no such row are unreadable, never an exception.
 */
class TableRowJsonTest {
  private final MarketplaceCodec codec = MarketplaceCodec.standard();

  @Test
  void aRowWithAWrongTypedColumn_keepsItsDiagnosisWhenReadBack() {
    Map<String, Object> row = new TreeMap<>();
    row.put("RowKey", "r1");
    row.put("CustomerInfo", 42);
    row.put("LeadSource", "AzureMarketplace-INS|contoso.crm");
    ReadResult direct = codec.readTableEntity(row);
    assertThat(direct).isInstanceOf(ReadResult.Unreadable.class);
    assertThat(codec.readTableRow(codec.tableRowJson(row))).isEqualTo(direct);
    // the same value as text would be read: the kept JSON must not turn 42 into "42"
    row.put("CustomerInfo", "{}");
    assertThat(codec.readTableRow(codec.tableRowJson(row))).isInstanceOf(ReadResult.Readable.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{\"RowKey\":\"r1\",\"CustomerInfo\":\"{}\"", "[1]", "{\"RowKey\":[1]}",
      "{\"Blob\":\"***\",\"Blob@odata.type\":\"Edm.Binary\",\"RowKey\":\"r\"}", "{\"RowKey\":\"r\",\"RowKey\":\"s\"}",
      "{\"T\":\"yesterday\",\"T@odata.type\":\"Edm.DateTime\",\"RowKey\":\"r\"}"})
  void bytesThatAreNoKeptRow_areUnreadableNeverAnException(String json) {
    ReadResult read = codec.readTableRow(json.getBytes(StandardCharsets.UTF_8));
    assertThat(read).isInstanceOf(ReadResult.Unreadable.class);
    assertThat(((ReadResult.Unreadable) read).diagnosis().remediation()).isNotBlank();
  }
}
