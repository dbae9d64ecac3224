package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.ListEntitiesOptions;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableTransactionAction;
import com.azure.data.tables.models.TableTransactionActionType;
import io.leadrouter.spi.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A first poll of a table far larger than the poller's heap (a year of leads, say) keeps only the rows it takes
 * ({@code maxRowsPerPoll}) and one page of the service's answer: run in a second JVM with a small heap. Slow (120 MB
 * written to Azurite, a second JVM): it runs in CI's second phase ({@code .ci/run}, {@code -Dgroups=slow}).
 */
@Tag("slow")
class AzureTableLeadPollerMemoryTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  private static final int ROWS = 10_000;
  private static final int ROW_CHARS = 12_000;
  @TempDir Path dir;

  @Test
  void firstPollOfATableLargerThanTheHeap_takesMaxRowsPerPollInTimestampOrder_withoutRunningOutOfMemory()
      throws Exception {
    String table = AZURITE.azurite().createTable("Big");
    TableClient raw = AZURITE.azurite().table(table);
    String filler = "x".repeat(ROW_CHARS);
    for (int batch = 0; batch < ROWS / 100; batch++) { // ~120 MB of rows, in pages of 1,000 (continuation tokens)
      List<TableTransactionAction> actions = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        actions.add(new TableTransactionAction(TableTransactionActionType.CREATE, new TableEntity(
            String.format("p%03d", ROWS / 100 - batch), String.format("r%03d", i))
            .addProperty("Description", filler).addProperty("CustomerInfo", "{\"Company\":\"Contoso\"}")));
      }
      raw.submitTransaction(actions);
    }
    AZURITE.azurite().awaitSettled(table);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-Xmx64m", "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), PollOnce.class.getName(), AZURITE.azurite().endpoint().toString(),
        table, dir.resolve("cp.json").toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    // the first 5 rows by Timestamp (the first transaction's, partition p100, written first, listed last)
    List<TableEntity> keys = new ArrayList<>();
    raw.listEntities(new ListEntitiesOptions().setSelect(List.of("PartitionKey", "RowKey", "Timestamp")), null, null)
        .forEach(keys::add);
    String first = keys.stream().sorted(Comparator.comparing((TableEntity e) -> e.getTimestamp().toInstant())
        .thenComparing(TableEntity::getPartitionKey).thenComparing(TableEntity::getRowKey)).limit(5)
        .map(e -> " " + e.getRowKey()).collect(Collectors.joining());
    assertThat(keys).hasSize(ROWS);
    assertThat(out).as("exit %s", p.exitValue()).contains("polled PollResult[routed=5, malformed=0, "
        + "failure=Optional.empty]" + first);
    assertThat(p.exitValue()).isZero();
    raw.deleteTable(); // 120 MB of the run's in-memory Azurite
  }

  /** Polls once with 5 rows per poll and prints the lead ids (RowKeys) it took, in order. */
  static final class PollOnce {
    public static void main(String[] args) {
      String connection = "DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT + ";AccountKey=" + Azurite.KEY
          + ";TableEndpoint=" + args[0] + ";";
      StringBuilder taken = new StringBuilder();
      try (AzureTableLeadPoller poller = AzureTableLeadPoller.builder()
          .account(AzureTableAccount.connectionString(Secret.of(connection))).tableName(args[1])
          .target(lead -> taken.append(' ').append(lead.id().value()))
          .checkpointStore(FileCheckpointStore.at(Path.of(args[2]))).settleDelayBelowMinimum(Azurite.SETTLE).maxRowsPerPoll(5)
          .requestTimeout(Duration.ofSeconds(60)).build()) {
        AzureTableLeadPoller.PollResult r = poller.pollOnce();
        System.out.println("polled " + r + taken);
      }
    }
  }
}
