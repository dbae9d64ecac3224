package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.TableEntity;
import io.leadrouter.Lead;
import io.leadrouter.LeadFlag;
import io.leadrouter.LeadId;
import io.leadrouter.testkit.OutputCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows of every odd shape a marketplace (or a hand) may write, in one real Azurite table: columns missing, extra,
 * of each other EDM type, JSON that is not an object, nested 5,000 deep, with control characters, a key twice.
 * Each row is either routed or reported malformed, once; the poll never fails; no e-mail reaches the log.
 */
class AzureTableLeadPollerOddRowsTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();

  /** {@code p} once its table's rows are old enough to be taken (see {@link Azurite#settled}). */
  private static AzureTableLeadPoller settled(AzureTableLeadPoller p) {
    return AZURITE.azurite().settled(p);
  }
  private static final String PARTITION = "11:2F25:2F2026";
  private static final String EMAIL = "jane.roe@contoso.com";
  @TempDir Path dir;
  private final List<Lead> routed = Collections.synchronizedList(new ArrayList<>());
  private final List<MalformedRow> malformed = Collections.synchronizedList(new ArrayList<>());

  private static TableEntity row(String rowKey, Object... columns) {
    TableEntity e = new TableEntity(PARTITION, rowKey);
    for (int i = 0; i < columns.length; i += 2) {
      e.addProperty((String) columns[i], columns[i + 1]);
    }
    return e;
  }

  @Test
  void oddRows_eachRoutedOrReportedOnce_thePollNeverFails_noEmailInTheLog() {
    String table = AZURITE.azurite().createTable("Odd");
    TableClient raw = AZURITE.azurite().table(table);
    TableEntity extra = row("extra-columns", "CustomerInfo", "{\"Email\":\"" + EMAIL + "\"}");
    for (int i = 0; i < 240; i++) {
      extra.addProperty("X" + i, "v" + i);
    }
    List<TableEntity> rows = new ArrayList<>(List.of(extra, row("no-columns"),
        row("ci-int", "CustomerInfo", 5), row("ci-long", "CustomerInfo", 5L), row("ci-double", "CustomerInfo", 5.5),
        row("ci-bool", "CustomerInfo", true), row("ci-binary", "CustomerInfo", new byte[] {1, 2}),
        row("ci-guid", "CustomerInfo", UUID.randomUUID()), row("ci-time", "CustomerInfo", OffsetDateTime.now()),
        row("ci-null", "CustomerInfo", "null"), row("ci-array", "CustomerInfo", "[]"),
        row("ci-string", "CustomerInfo", "\"" + EMAIL + "\""),
        row("ci-cut", "CustomerInfo", "{\"Email\":\"" + EMAIL + "\", oops"),
        row("ci-deep", "CustomerInfo", "{\"a\":".repeat(5000) + "1" + "}".repeat(5000)),
        row("ci-twice", "CustomerInfo", "{\"Email\":\"" + EMAIL + "\",\"email\":\"x" + EMAIL + "\"}"),
        row("ci-wrong-types", "CustomerInfo", "{\"Email\":5,\"FirstName\":{\"x\":1},\"Phone\":[1]}"),
        row("ci-control", "CustomerInfo", "{\"FirstName\":\"J\\u0000ane\u001b[31m\",\"Email\":\"" + EMAIL
            + "\",\"Company\":\"\u4e2d\u6587\ud83d\ude00\"}"),
        row("created-text", "CreatedTime", "yesterday", "CustomerInfo", "{\"Email\":\"" + EMAIL + "\"}"),
        row("created-guid", "CreatedTime", UUID.randomUUID()),
        row("created-1601", "CreatedTime", OffsetDateTime.parse("1601-01-01T00:00:00Z")),
        row("action-binary", "ActionCode", new byte[] {1}), row("source-int", "LeadSource", 1),
        row("source-control", "LeadSource", "AzureMarketplace-INS|x\u0000\r\ny"),
        row("attributes-int", "Attributes", 9), row("attributes-cut", "Attributes", "{oops"),
        row("attributes-array", "Attributes", "[1,2]"), row("\u00e9\u4e2d\ud83d\ude00 row")));
    rows.forEach(raw::createEntity);
    AzureTableLeadPoller.PollResult first;
    try (OutputCapture log = OutputCapture.start(); AzureTableLeadPoller p = AzureTableLeadPoller.builder()
        .account(AzureTableAccount.connectionString(AZURITE.azurite().connectionString())).tableName(table)
        .target(routed::add).checkpointStore(FileCheckpointStore.at(dir.resolve("cp.json")))
        .onMalformedRow(malformed::add).settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0).build()) {
      first = settled(p).pollOnce();
      assertThat(settled(p).pollOnce()).isEqualTo(new AzureTableLeadPoller.PollResult(0, 0, Optional.empty()));
      assertThat(log.text()).doesNotContain(EMAIL).doesNotContain("\u001b");
    }
    assertThat(first.failure()).isEmpty();
    assertThat(first.routed() + first.malformed()).isEqualTo(rows.size());
    assertThat(routed).hasSize(first.routed());
    assertThat(malformed).hasSize(first.malformed());
    List<String> taken = Stream.concat(routed.stream().map(l -> l.id().value()), malformed.stream()
        .map(MalformedRow::rowKey)).toList();
    assertThat(taken).doesNotHaveDuplicates().hasSize(rows.size());
    assertThat(malformed).filteredOn(m -> m.rowKey().equals("ci-int")).singleElement()
        .satisfies(m -> assertThat(m.problems().toString()).contains("CustomerInfo: is Edm.Int32, but must be text"));
    assertThat(malformed).extracting(MalformedRow::rowKey).contains("ci-binary", "ci-cut", "ci-twice",
        "attributes-cut");
    assertThat(routed).filteredOn(l -> l.id().value().equals("created-guid")).singleElement().satisfies(l ->
        assertThat(l.flags()).extracting(LeadFlag::code).contains("CREATED_TIME_UNREADABLE"));
    assertThat(routed).extracting(Lead::id).contains(LeadId.derivedFrom("\u00e9\u4e2d\ud83d\ude00 row"));
  }
}
