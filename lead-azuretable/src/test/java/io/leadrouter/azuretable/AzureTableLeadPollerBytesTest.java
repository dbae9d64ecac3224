package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.TableEntity;
import io.leadrouter.ConfigurationException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A poll bounded by bytes as well as rows, against a real Azurite: rows near the service's size limits are taken in
 * timestamp order a few per poll, none skipped, none twice. Before, a poll held up to 1,000 rows of up to 1 MiB each
 * (1 GiB) at once.
 */
class AzureTableLeadPollerBytesTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  /** Seven strings of 28,000 UTF-16 code units: about 392 KB as the service counts a row. */
  private static final int BIG_COLUMNS = 7;
  @TempDir Path dir;
  private final List<String> taken = Collections.synchronizedList(new ArrayList<>());

  private static TableEntity row(String key, boolean big) {
    TableEntity e = new TableEntity("p", key).addProperty("ActionCode", "INS")
        .addProperty("CustomerInfo", "{\"Email\":\"a@contoso.com\"}")
        .addProperty("LeadSource", "AzureMarketplace-INS|contoso.crm");
    if (big) {
      for (int i = 0; i < BIG_COLUMNS; i++) {
        e.addProperty("Filler" + i, String.valueOf((char) ('a' + i)).repeat(28_000));
      }
    }
    return e;
  }

  /**
   * The rows, written one by one, in this order: f e d (big), c (small), b (big), a and g (small). The service lists
   * them by key (a b c d e f g), the poller takes them by Timestamp. With 1 MiB a poll, the first takes f and e (d
   * would pass the bound); g, small and listed after d was left out, must wait with d: taking it would move the
   * checkpoint past d, c, b and a, lost for good.
   */
  @Test
  void rowsNearTheSizeLimit_pollTakesThemInTimestampOrderWithinMaxBytesPerPoll_noneSkippedNoneTwice()
      throws Exception {
    String table = AZURITE.azurite().createTable("Bytes");
    TableClient raw = AZURITE.azurite().table(table);
    for (String key : List.of("f", "e", "d", "c", "b", "a", "g")) {
      raw.createEntity(row(key, !List.of("c", "a", "g").contains(key)));
    }
    AZURITE.azurite().awaitSettled(table);
    List<List<String>> polls = new ArrayList<>();
    try (AzureTableLeadPoller p = AzureTableLeadPoller.builder()
        .account(AzureTableAccount.connectionString(AZURITE.azurite().connectionString())).tableName(table)
        .target(lead -> taken.add(lead.id().value())).onMalformedRow(m -> taken.add(m.rowKey()))
        .checkpointStore(FileCheckpointStore.at(dir.resolve("cp.json"))).settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0)
        .maxBytesPerPoll(AzureTableLeadPoller.MIN_MAX_BYTES_PER_POLL).build()) {
      for (int i = 0; i < 4; i++) {
        int before = taken.size();
        assertThat(p.pollOnce().failure()).isEmpty();
        polls.add(List.copyOf(taken.subList(before, taken.size())));
      }
    }
    assertThat(polls).containsExactly(List.of("f", "e"), List.of("d", "c", "b", "a", "g"), List.of(), List.of());
  }

  @Test
  void build_maxBytesPerPollBelowOneEntity_isRefusedNamingTheSettingAndTheMinimum() {
    assertThatThrownBy(() -> AzureTableLeadPoller.builder()
        .account(AzureTableAccount.connectionString(AZURITE.azurite().connectionString()))
        .target(lead -> { }).maxBytesPerPoll(1_048_575).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: maxBytesPerPoll: 1048575 is below the minimum of 1048576 bytes (use 1 "
            + "MiB, the largest entity the service stores, or more)");
  }
}
