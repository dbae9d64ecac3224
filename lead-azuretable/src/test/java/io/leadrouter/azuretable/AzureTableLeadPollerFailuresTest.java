package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.sas.TableSasPermission;
import com.azure.data.tables.sas.TableSasSignatureValues;
import io.leadrouter.Lead;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poller's failures against a real Azurite, each telling what failed and the fix in the poller's terms: a
 * checkpoint in the future or damaged, a table the marketplace has not created yet, a table SAS that cannot reach the
 * default checkpoint table, a SAS without read, a wrong account key (never echoed). None loses a lead.
 */
class AzureTableLeadPollerFailuresTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();

  /** {@code p} once its table's rows are old enough to be taken (see {@link Azurite#settled}). */
  private static AzureTableLeadPoller settled(AzureTableLeadPoller p) {
    return AZURITE.azurite().settled(p);
  }
  @TempDir Path dir;
  private String table;
  private Path checkpointFile;
  private final List<Lead> routed = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void setUp() {
    table = Azurite.uniqueTable("Fail");
    checkpointFile = dir.resolve("checkpoint.json");
  }

  private static AzureTableAccount account() {
    return AzureTableAccount.connectionString(AZURITE.azurite().connectionString());
  }

  private AzureTableLeadPoller.Builder poller(AzureTableAccount account) {
    return AzureTableLeadPoller.builder().account(account).tableName(table).target(routed::add)
        .checkpointStore(FileCheckpointStore.at(checkpointFile)).settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0)
        .requestTimeout(Duration.ofSeconds(10));
  }

  private Lead writeOne() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (AzureTableSink w = AzureTableSink.builder().account(account()).tableName(table).createTableIfMissing(true)
        .build()) {
      w.deliver(lead);
    }
    return lead;
  }

  private static String failure(AzureTableLeadPoller.PollResult r) {
    assertThat(r.failure()).as("the poll failed").isPresent();
    return r.failure().get().getMessage();
  }

  /**
   * With one lead in the table and {@code checkpoint} in the checkpoint file: the first poll's failure message, once
   * that poll routed nothing; then the file is deleted (what the message says to do: the poller reads the store
   * again) and the next poll must route the lead.
   */
  private String failureUntilCheckpointDeleted(String checkpoint) throws Exception {
    Lead lead = writeOne();
    Files.writeString(checkpointFile, checkpoint);
    String why;
    try (AzureTableLeadPoller p = poller(account()).build()) {
      why = failure(settled(p).pollOnce());
      assertThat(routed).isEmpty();
      Files.delete(checkpointFile);
      AzureTableLeadPoller.PollResult after = settled(p).pollOnce();
      assertThat(after.failure()).isEmpty();
      assertThat(after.routed()).isEqualTo(1);
    }
    assertThat(routed).extracting(Lead::id).containsExactly(lead.id());
    return why;
  }

  @Test
  void checkpointInTheFuture_pollFailsSayingSo_andOnceDeletedTheLeadIsRouted() throws Exception {
    try (OutputCapture log = OutputCapture.start()) {
      String why = failureUntilCheckpointDeleted("{\"timestamp\":\"2099-01-01T00:00:00Z\",\"seen\":[]}");
      assertThat(why).contains("the poller checkpoint in FileCheckpointStore[" + checkpointFile + "] is at "
          + "2099-01-01T00:00:00Z, after this host's clock").contains("rows written before then would be passed over")
          .contains("Fix: correct this host's clock, or fix or delete the checkpoint");
      assertThat(log.text()).contains(why);
    }
  }

  @Test
  void checkpointDamaged_pollFailsNamingTheFile_andOnceDeletedTheLeadIsRouted() throws Exception {
    assertThat(failureUntilCheckpointDeleted("{\"timestamp\":\"2026-12-0\n\u0000garbage"))
        .startsWith("the poller checkpoint in " + checkpointFile + " is damaged (")
        .endsWith("fix or delete it (deleting makes the poller start from the table's first row)");
  }

  /**
   * A checkpoint whose timestamp no row can have (years before 1601, the earliest Edm.DateTime): before, it was taken
   * and every poll failed as "reading table ... failed: AZURETABLE_UNREACHABLE: DateTimeException", telling the
   * operator to check the storage account's health and network, never the checkpoint at fault.
   */
  @Test
  void checkpointBeforeAnyRowCanBe_pollFailsNamingTheFileAsDamaged_andOnceDeletedTheLeadIsRouted() throws Exception {
    assertThat(failureUntilCheckpointDeleted("{\"timestamp\":\"-1000000000-01-01T00:00:00Z\",\"seen\":[]}"))
        .isEqualTo("the poller checkpoint in " + checkpointFile + " is damaged (its timestamp "
            + "-1000000000-01-01T00:00:00Z is before 1601-01-01T00:00:00Z, the earliest a row of a table can have): "
            + "fix or delete it (deleting makes the poller start from the table's first row)");
  }

  @Test
  void tableNotCreatedYet_failureSaysTheMarketplaceCreatesIt_andItsFirstLeadIsRoutedOnceItDoes() throws Exception {
    try (AzureTableLeadPoller p = poller(account()).build()) {
      String why = failure(settled(p).pollOnce());
      assertThat(why).startsWith("reading table " + table + " failed: AZURETABLE_TABLE_NOT_FOUND: HTTP 404 "
          + "TableNotFound")
          .contains("there is no table '" + table + "' in storage account devstoreaccount1 (yet): the "
          + "marketplace creates it with the first lead it writes").doesNotContain("createTableIfMissing");
      Lead lead = writeOne();
      assertThat(settled(p).pollOnce().routed()).isEqualTo(1);
      assertThat(routed).extracting(Lead::id).containsExactly(lead.id());
    }
  }

  @Test
  void tableSasForTheLeadsTable_defaultCheckpointStore_failureNamesTheCheckpointTableAndTheFix() throws Exception {
    Lead lead = writeOne();
    TableClient admin = AZURITE.azurite().table(table);
    String sas = admin.generateSas(new TableSasSignatureValues(OffsetDateTime.now().plusHours(1),
        TableSasPermission.parse("r")));
    String sig = sas.replaceAll(".*sig=([^&]*).*", "$1");
    AzureTableAccount tableSas = AzureTableAccount.sas(AZURITE.azurite().endpoint(), Secret.of(sas));
    try (OutputCapture log = OutputCapture.start(); AzureTableLeadPoller p = AzureTableLeadPoller.builder()
        .account(tableSas).tableName(table).target(routed::add).settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0).build()) {
      String why = failure(settled(p).pollOnce());
      assertThat(why).startsWith("cannot read the poller checkpoint in "
          + "TableCheckpointStore[LeadRouterCheckpoints/poller/" + table + "]: AZURETABLE_AUTH_FAILED: HTTP 403")
          .contains("Fix: the credential must also create table LeadRouterCheckpoints")
          .contains("checkpointStore(FileCheckpointStore.at(path))");
      assertThat(log.text() + why).doesNotContain(sig);
    }
    try (AzureTableLeadPoller p = poller(tableSas).build()) { // the fix it names
      assertThat(settled(p).pollOnce().routed()).isEqualTo(1);
    }
    assertThat(routed).extracting(Lead::id).containsExactly(lead.id());
  }

  @Test
  void sasWithoutRead_failureSaysThePollerNeedsR_notWhatTheSinkNeeds() throws Exception {
    writeOne();
    String sas = AZURITE.azurite().table(table).generateSas(new TableSasSignatureValues(
        OffsetDateTime.now().plusHours(1), TableSasPermission.parse("aud")));
    try (AzureTableLeadPoller p = poller(AzureTableAccount.sas(AZURITE.azurite().endpoint(), Secret.of(sas)))
        .build()) {
      assertThat(failure(settled(p).pollOnce()))
          .startsWith("reading table " + table + " failed: AZURETABLE_AUTH_FAILED: HTTP "
          + "403").contains("Fix: the SAS token grants sp=aud, without r: the poller needs r to query the table's "
          + "rows; issue a new SAS (sp=r on table " + table + ") and update sasToken").doesNotContain("sink");
    }
    assertThat(routed).isEmpty();
  }

  @Test
  void wrongAccountKey_failureSaysCopyACurrentKey_andNeverEchoesIt() throws Exception {
    writeOne();
    String wrongKey = Base64.getEncoder().encodeToString("not-the-key-of-this-account-0123456789".getBytes(
        StandardCharsets.UTF_8));
    Secret connection = Secret.of("DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT + ";AccountKey="
        + wrongKey + ";TableEndpoint=" + AZURITE.azurite().endpoint() + ";");
    try (OutputCapture log = OutputCapture.start();
        AzureTableLeadPoller p = poller(AzureTableAccount.connectionString(connection)).build()) {
      AzureTableLeadPoller.PollResult r = settled(p).pollOnce();
      assertThat(failure(r)).contains("AZURETABLE_AUTH_FAILED").contains("Fix: the AccountKey in connectionString is "
          + "not a current key of storage account devstoreaccount1");
      assertThat(log.text() + r).doesNotContain(wrongKey);
    }
    assertThat(routed).isEmpty();
  }
}
