package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.data.tables.models.TableEntity;
import io.leadrouter.Lead;
import io.leadrouter.testkit.OutputCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A row's RowKey is its lead's id, and a sender may make an id of the customer's e-mail or phone
 * ({@code tel-4915112345678}, {@code form:ann.lee@contoso.com}): the poller's log lines about a row showed its keys
 * raw. Against a real Azurite, rows that cannot be read (reported in a WARN naming the row) keep the customer's
 * phone and e-mail out of the log, and the row is still named in the masked form the rest of LeadRouter uses.
 */
class AzureTableKeysInLogsTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  @TempDir java.nio.file.Path dir;

  @Test
  void malformedRowsNamedByAPhoneOrAnEmail_areLoggedWithTheKeyMasked() throws Exception {
    String table = AZURITE.azurite().createTable("Keys");
    String partition = "ann.lee@contoso.com";
    AZURITE.azurite().table(table).createEntity(new TableEntity(partition, "tel-4915112345678")
        .addProperty("CustomerInfo", 42).addProperty("LeadSource", "AzureMarketplace-INS|contoso.crm-connector"));
    AZURITE.azurite().table(table).createEntity(new TableEntity(partition, "form:jane.roe@contoso.com")
        .addProperty("CustomerInfo", "{\"Email\": oops").addProperty("LeadSource", "AzureMarketplace-INS|x"));
    List<Lead> routed = new ArrayList<>();
    List<MalformedRow> reported = new ArrayList<>();

    String log;
    try (OutputCapture out = OutputCapture.start(); AzureTableLeadPoller p = AzureTableLeadPoller.builder()
        .account(AzureTableAccount.connectionString(AZURITE.azurite().connectionString())).tableName(table)
        .target(routed::add).onMalformedRow(reported::add)
        .checkpointStore(FileCheckpointStore.at(dir.resolve("checkpoint.json")))
        .settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0).requestTimeout(Duration.ofSeconds(10)).build()) {
      assertThat(AZURITE.azurite().settled(p).pollOnce().malformed()).isEqualTo(2);
      log = out.text();
    }

    assertThat(routed).isEmpty();
    assertThat(reported).extracting(MalformedRow::rowKey).as("the application's listener gets the keys as they are")
        .containsExactlyInAnyOrder("tel-4915112345678", "form:jane.roe@contoso.com");
    assertThat(log).as("both rows reported").contains("skipped malformed lead row tel-***78 (partition a***@contoso.com",
        "skipped malformed lead row form:j***@contoso.com (partition a***@contoso.com");
    assertThat(log).doesNotContain("4915112345678", "jane.roe", "ann.lee");
  }
}
