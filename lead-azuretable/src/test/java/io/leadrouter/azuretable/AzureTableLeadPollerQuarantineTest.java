package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableEntityUpdateMode;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.QuarantinedPayload;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The poller given a router ({@link AzureTableLeadPoller.Builder#router}) against a real Azurite and a real SQLite
 * journal: rows that cannot be read land in the journal's quarantine once (across polls, restarts and a checkpoint
 * save that fails after the row was kept), named by column; another lead under a RowKey already taken is kept, not
 * dropped; rows changed or deleted while polled, a table that disappears and comes back, Azurite stopped mid-poll.
 */
class AzureTableLeadPollerQuarantineTest {
  @RegisterExtension static final AzuriteExtension AZURITE = AzuriteExtension.persistent();

  /** {@code p} once its table's rows are old enough to be taken (see {@link Azurite#settled}). */
  private static AzureTableLeadPoller settled(AzureTableLeadPoller p) {
    return AZURITE.azurite().settled(p);
  }
  private static final String PARTITION = "11:2F25:2F2026";
  @TempDir Path dir;
  private String table;
  private AzureTableSink writer;
  private InMemoryLeadSink sink;
  private LeadRouter router;
  private final List<MalformedRow> malformed = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void setUp() {
    table = Azurite.uniqueTable("Quar");
    writer = AzureTableSink.builder().account(account()).tableName(table)
        .createTableIfMissing(true).build();
    sink = new InMemoryLeadSink();
    router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db"))).addSink("crm", sink)
        .defaultRoute("crm").build();
  }

  @AfterEach
  void tearDown() {
    router.close();
    writer.close();
  }

  private static AzureTableAccount account() {
    return AzureTableAccount.connectionString(AZURITE.azurite().connectionString());
  }

  private AzureTableLeadPoller.Builder poller(CheckpointStore store) {
    return AzureTableLeadPoller.builder().account(account()).tableName(table)
        .router(router).checkpointStore(store).onMalformedRow(malformed::add).settleDelayBelowMinimum(Azurite.SETTLE)
        .maxRetries(0).requestTimeout(Duration.ofSeconds(5)).connectTimeout(Duration.ofSeconds(2));
  }

  /** A checkpoint store in a file of this test's temporary folder. */
  private CheckpointStore checkpointFile() {
    return FileCheckpointStore.at(dir.resolve("cp.json"));
  }

  private TableClient raw() {
    return AZURITE.azurite().table(table);
  }

  private long delivered() throws InterruptedException {
    AzureTableLeadPollerTest.await("deliveries", () -> { // a lead being delivered is no longer PENDING: IN_FLIGHT
      Map<DeliveryState, Long> crm = router.counts().getOrDefault("crm", Map.of());
      return crm.getOrDefault(DeliveryState.PENDING, 0L) == 0 && crm.getOrDefault(DeliveryState.IN_FLIGHT, 0L) == 0;
    });
    return router.counts().getOrDefault("crm", Map.of()).getOrDefault(DeliveryState.DELIVERED, 0L);
  }

  @Test
  void unreadableRows_areKeptInTheJournalQuarantineOnce_namingTheColumnAsWritten() throws Exception {
    writer.deliver(SampleLeads.testDrive()); // creates the table; a good row
    raw().createEntity(new TableEntity(PARTITION, "bad-customer")
        .addProperty("customerinfo", "{\"Email\":\"jane.roe@contoso.com\", oops")
        .addProperty("LeadSource", "AzureMarketplace-INS|contoso.crm-connector"));
    raw().createEntity(new TableEntity(PARTITION, "bad-attributes")
        .addProperty("CustomerInfo", "{\"Email\":\"ann@contoso.com\"}")
        .addProperty("Attributes", "{\"utm\":\"a\",\"utm\":\"b\"}")
        .addProperty("LeadSource", "AzureMarketplace-INS|contoso.crm-connector"));
    raw().createEntity(new TableEntity(PARTITION, "bad-type")
        .addProperty("CustomerInfo", 42).addProperty("LeadSource", "AzureMarketplace-INS|contoso.crm-connector"));
    CheckpointStore store = checkpointFile();

    try (AzureTableLeadPoller p = poller(store).build()) {
      assertThat(settled(p).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(1, 3));
      assertThat(settled(p).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(0, 0));
    }
    try (AzureTableLeadPoller restarted = poller(store).build()) {
      assertThat(settled(restarted).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(0, 0));
    }

    List<QuarantinedPayload> kept = router.quarantined(10);
    assertThat(kept).as("each unreadable row kept once").hasSize(3);
    assertThat(kept).allSatisfy(q -> assertThat(q.origin()).startsWith("azure table " + table + " row PartitionKey '"
        + PARTITION + "', RowKey 'bad-"));
    assertThat(kept).extracting(q -> q.diagnosis().code()).containsExactlyInAnyOrder("PAYLOAD_BROKEN_JSON",
        "PAYLOAD_DUPLICATE_KEY", "PAYLOAD_WRONG_TYPE");
    // the column as the sender wrote it, and the fix
    assertThat(kept).extracting(q -> q.diagnosis().message().substring(0, q.diagnosis().message().indexOf(':')))
        .containsExactlyInAnyOrder("customerinfo at line 1, column 34 of the customerinfo text",
            "Attributes at line 1, column 17", "CustomerInfo");
    assertThat(kept).allSatisfy(q -> assertThat(q.diagnosis().remediation()).isNotBlank());
    assertThat(malformed).extracting(MalformedRow::rowKey).containsExactlyInAnyOrder("bad-customer",
        "bad-attributes", "bad-type");
    // the row as it was read, not guessed at when read again: still unreadable, its id would come from RowKey
    assertThat(router.replayQuarantined(10)).isEqualTo(new LeadRouter.QuarantineReplay(0, 3));
    QuarantinedPayload attributes = kept.stream().filter(q -> q.origin().contains("bad-attributes")).findFirst()
        .orElseThrow();
    // the kept row posted back as a body is read as the row it is (not as a body with an unknown key that
    // would pass): the same diagnosis either way, so no path guesses at it
    assertThat(MarketplaceCodec.standard().read(attributes.payload()))
        .as("the kept row read as a body is read as the row")
        .isInstanceOfSatisfying(io.leadrouter.ReadResult.Unreadable.class,
            u -> assertThat(u.diagnosis().code()).isEqualTo("PAYLOAD_DUPLICATE_KEY"));
    assertThat(delivered()).isEqualTo(1);
  }

  /**
   * A column holding half a character (the Table service keeps the UTF-16 it is sent, an escaped {@code \uD800}
   * included; the SDK writes it so): before, the row was routed as a lead holding it, unflagged, where the HTTPS
   * intake quarantines such text; now it is kept in quarantine naming the column and where.
   */
  @Test
  void rowWithALoneSurrogateInAColumn_isKeptInQuarantine_notRoutedAsALeadHoldingHalfACharacter() throws Exception {
    raw().createTable();
    raw().createEntity(new TableEntity(PARTITION, "half-character")
        .addProperty("CustomerInfo", "{\"Email\":\"ann@contoso.com\"}")
        .addProperty("LeadSource", "AzureMarketplace-INS|contoso.crm-connector")
        .addProperty("Description", "campaign \ud800 spring"));
    assertThat(raw().getEntity(PARTITION, "half-character").getProperty("Description"))
        .as("Azurite keeps it as sent").isEqualTo("campaign \ud800 spring");

    try (AzureTableLeadPoller p = poller(checkpointFile()).build()) {
      assertThat(settled(p).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(0, 1));
    }

    assertThat(router.quarantined(10)).singleElement().satisfies(q -> assertThat(q.diagnosis()).hasToString(
        "PAYLOAD_LONE_SURROGATE: Description: holds a lone surrogate \\uD800 at character 10, half of a character "
            + "that cannot be read. Fix: write Description as valid Unicode"));
    assertThat(router.replayQuarantined(10)).isEqualTo(new LeadRouter.QuarantineReplay(0, 1));
    assertThat(delivered()).isZero();
    assertThat(sink.leads()).isEmpty();
  }

  @Test
  void checkpointNotSavedAfterARowWasKept_azuriteStoppedMidPoll_theRowIsNotKeptTwiceAndNothingIsLost()
      throws Exception {
    Lead first = SampleLeads.testDrive();
    writer.deliver(first);
    raw().createEntity(new TableEntity(PARTITION, "bad-row")
        .addProperty("CustomerInfo", "{\"Email\":\"jane.roe@contoso.com\", oops"));
    Lead last = SampleLeads.azureMarketplaceInstall();
    writer.deliver(last);
    // the checkpoint lives in Azurite too: stopped right after the bad row was kept, its save fails
    CheckpointStore store = TableCheckpointStore.create(account(), "QuarCheckpoints", table,
        Duration.ofSeconds(5));
    AtomicBoolean stopOnce = new AtomicBoolean(true);
    AzureTableLeadPoller.PollResult cut;
    try (AzureTableLeadPoller p = poller(store).onMalformedRow(row -> {
      malformed.add(row);
      if (stopOnce.getAndSet(false)) {
        AZURITE.azurite().stop();
      }
    }).build()) {
      cut = settled(p).pollOnce();
      assertThat(cut.failure()).as("the checkpoint could not be saved").isPresent();
      assertThat(router.quarantineCount()).isEqualTo(1);

      AZURITE.azurite().ensureRunning();
      AzureTableLeadPoller.PollResult again = settled(p).pollOnce(); // the same poller: the bad row is offered again
      assertThat(again.failure()).isEmpty();
      assertThat(router.quarantineCount()).as("not kept twice by the next poll").isEqualTo(1);
    }
    assertThat(cut.routed()).isEqualTo(1);

    // and a restart after such a crash: the checkpoint in the store still stands before the bad row
    raw().createEntity(new TableEntity(PARTITION, "bad-row-2")
        .addProperty("CustomerInfo", "[1]"));
    try (AzureTableLeadPoller restarted = poller(store).build()) {
      assertThat(settled(restarted).pollOnce().failure()).isEmpty();
    }
    assertThat(router.quarantined(10)).extracting(q -> q.origin().replaceAll(".*RowKey '([^']*)'.*", "$1"))
        .containsExactlyInAnyOrder("bad-row", "bad-row-2");
    assertThat(malformed).extracting(MalformedRow::rowKey).as("each reported once")
        .containsExactlyInAnyOrder("bad-row", "bad-row-2");
    assertThat(delivered()).isEqualTo(2);
    assertThat(sink.leads()).extracting(Lead::id).containsExactlyInAnyOrder(first.id(), last.id());
  }

  @ParameterizedTest(name = "{0} extra columns of 30,000 characters")
  @ValueSource(ints = {0, 12})
  void restartAfterACrashBeforeTheCheckpointWasSaved_theKeptRowIsFoundAndNotKeptAgain(int columns) throws Exception {
    writer.deliver(SampleLeads.testDrive());
    TableEntity bad = new TableEntity(PARTITION, "bad-row")
        .addProperty("CustomerInfo", "{\"Email\":\"jane.roe@contoso.com\", oops");
    for (int i = 0; i < columns; i++) {
      // 12 such columns (three UTF-8 bytes a character) make the row's JSON longer than the 1 MiB the quarantine
      // keeps of a payload, while the row stays under the service's 1 MiB of UTF-16
      bad.addProperty("Note" + i, "\u65e5".repeat(30_000));
    }
    raw().createEntity(bad);
    Path checkpoint = dir.resolve("cp.json");
    try (AzureTableLeadPoller p = poller(FileCheckpointStore.at(checkpoint)).build()) {
      assertThat(settled(p).pollOnce().malformed()).isEqualTo(1);
    }
    // the crash: the row was kept, its checkpoint never written (the checkpoint as it stood after the good row)
    PollerCheckpoint saved = FileCheckpointStore.at(checkpoint).load().orElseThrow();
    PollerCheckpoint before = new PollerCheckpoint(saved.timestamp(), saved.seenKeys().stream()
        .filter(k -> !k.endsWith("/bad-row")).collect(java.util.stream.Collectors.toSet()));
    assertThat(before).isNotEqualTo(saved);
    FileCheckpointStore.at(checkpoint).save(before);
    malformed.clear();

    try (AzureTableLeadPoller restarted = poller(FileCheckpointStore.at(checkpoint)).build()) {
      assertThat(settled(restarted).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(0, 1));
      assertThat(restarted.checkpoint()).contains(saved);
    }
    assertThat(router.quarantineCount()).isEqualTo(1);
    assertThat(malformed).as("reported before the crash, not again").isEmpty();
  }

  @Test
  void rowKeyRepeatedInAnotherPartition_otherContentIsKeptAsAConflict_sameContentIsOneLead() throws Exception {
    Lead ann = SampleLeads.testDrive();
    writer.deliver(ann);
    Map<String, Object> same = MarketplaceCodec.standard().toTableEntity(ann);
    TableEntity copy = new TableEntity("1:2F1:2F2027", ann.id().value());
    same.forEach((k, v) -> {
      if (!k.equals("PartitionKey") && !k.equals("RowKey")) {
        copy.addProperty(k, v);
      }
    });
    raw().createEntity(copy); // the same lead again in another partition
    raw().createEntity(new TableEntity("2:2F1:2F2027", ann.id().value())
        .addProperty("CustomerInfo", "{\"Email\":\"bob@contoso.com\"}")
        .addProperty("LeadSource", ann.source().raw())); // another lead under the same RowKey

    try (AzureTableLeadPoller p = poller(checkpointFile()).build()) {
      assertThat(settled(p).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(2, 1));
    }
    assertThat(router.quarantined(10)).singleElement().satisfies(q -> {
      assertThat(q.diagnosis().code()).isEqualTo("LEAD_ID_CONFLICT");
      assertThat(q.origin()).contains("PartitionKey '2:2F1:2F2027'");
    });
    assertThat(delivered()).isEqualTo(1);
    assertThat(sink.leads()).singleElement().satisfies(l -> assertThat(l.customer()).isEqualTo(ann.customer()));
  }

  @Test
  void rowChangedAfterItWasTaken_isOfferedAgain_otherContentKeptAsAConflictNotDropped() throws Exception {
    Lead ann = SampleLeads.testDrive();
    writer.deliver(ann);
    try (AzureTableLeadPoller p = poller(checkpointFile()).build()) {
      assertThat(settled(p).pollOnce().routed()).isEqualTo(1);
      TableEntity row = raw().getEntity(MarketplaceCodec.partitionKey(ann.createdTime()), ann.id().value());
      row.addProperty("CustomerInfo", "{\"Email\":\"changed@contoso.com\"}");
      raw().updateEntity(row, TableEntityUpdateMode.REPLACE); // a new Timestamp: the row is new to the poller
      assertThat(settled(p).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(0, 1));
      assertThat(settled(p).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(0, 0));
    }
    assertThat(router.quarantined(10)).singleElement()
        .satisfies(q -> assertThat(q.diagnosis().code()).isEqualTo("LEAD_ID_CONFLICT"));
    assertThat(delivered()).isEqualTo(1);
  }

  @Test
  void twoPollersOfOneTableSharingTheJournal_eachLeadDeliveredOnce_theUnreadableRowKeptOnce() throws Exception {
    CheckpointStore store = FileCheckpointStore.at(dir.resolve("cp.json")); // two instances of one application
    Lead first = SampleLeads.testDrive();
    writer.deliver(first);
    try (AzureTableLeadPoller a = poller(store).build(); AzureTableLeadPoller b = poller(store).build()) {
      assertThat(settled(b).pollOnce().routed()).isEqualTo(1); // b is under way
      Lead second = SampleLeads.unicodeNames();
      writer.deliver(second);
      raw().createEntity(new TableEntity(PARTITION, "bad-row").addProperty("CustomerInfo", "{\"Email\": oops"));
      assertThat(settled(a).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(1, 1));
      // b still reads from its own checkpoint: it offers the second lead (a duplicate, absorbed) and the bad row
      assertThat(settled(b).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(1, 1));
    }
    assertThat(router.quarantined(10)).singleElement()
        .satisfies(q -> assertThat(q.origin()).contains("RowKey 'bad-row'"));
    assertThat(malformed).extracting(MalformedRow::rowKey).containsExactly("bad-row");
    assertThat(delivered()).isEqualTo(2);
    assertThat(sink.leads()).hasSize(2);
  }

  @Test
  void rowsDeletedWhilePolled_areStillRoutedOnce() throws Exception {
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Lead lead = SampleLeads.azureMarketplaceInstall();
      writer.deliver(lead);
      leads.add(lead);
    }
    List<Lead> routed = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean deleteOnce = new AtomicBoolean(true);
    LeadTarget deleting = lead -> {
      if (deleteOnce.getAndSet(false)) { // the marketplace (or an operator) deletes every row mid-poll
        for (Lead l : leads) {
          raw().deleteEntity(MarketplaceCodec.partitionKey(l.createdTime()), l.id().value());
        }
      }
      routed.add(lead);
    };
    try (AzureTableLeadPoller p = AzureTableLeadPoller.builder().account(account())
        .tableName(table).target(deleting).checkpointStore(checkpointFile())
        .settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0).build()) {
      assertThat(settled(p).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(4, 0));
      assertThat(settled(p).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(0, 0));
    }
    assertThat(routed).extracting(Lead::id).containsExactlyInAnyOrderElementsOf(leads.stream().map(Lead::id).toList());
  }

  @Test
  void tableDeletedAndCreatedAgain_pollsFailMeanwhile_thenTheNewRowsAreRouted() throws Exception {
    Lead before = SampleLeads.testDrive();
    writer.deliver(before);
    try (AzureTableLeadPoller p = poller(checkpointFile()).build()) {
      assertThat(settled(p).pollOnce().routed()).isEqualTo(1);
      PollerCheckpoint cp = p.checkpoint().orElseThrow();
      raw().deleteTable();
      AzureTableLeadPoller.PollResult gone = settled(p).pollOnce();
      assertThat(gone.failure()).as("no table: the poll fails, says so, and moves nothing").isPresent();
      assertThat(p.checkpoint()).contains(cp);

      Lead after = SampleLeads.unicodeNames();
      AzureTableLeadPollerTest.await("the table to be created again", () -> {
        try {
          writer.deliver(after); // createTableIfMissing
          return true;
        } catch (Exception e) {
          return false; // Azurite may still be deleting it
        }
      });
      assertThat(settled(p).pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(1, 0));
      assertThat(delivered()).isEqualTo(2);
      assertThat(sink.leads()).extracting(Lead::id).containsExactlyInAnyOrder(before.id(), after.id());
    }
  }

  @Test
  void rowReadBackFromQuarantine_isTheSameLeadAsFromTheTable() {
    Lead lead = SampleLeads.testDrive().toBuilder().attribute("utm", "x").build();
    Map<String, Object> row = new java.util.TreeMap<>(MarketplaceCodec.standard().toTableEntity(lead));
    row.put("Timestamp", java.time.OffsetDateTime.parse("2026-11-25T10:00:00.1234567Z"));
    row.put("Score", 5L);
    row.put("Blob", new byte[] {1, 2, 3});
    row.put("Ratio", 0.5);
    row.put("Flag", true);
    row.put("Count", 7);
    row.put("Ref", java.util.UUID.fromString("00000000-0000-0000-0000-000000000001"));
    MarketplaceCodec codec = MarketplaceCodec.standard();
    io.leadrouter.ReadResult direct = codec.readTableEntity(row);
    io.leadrouter.ReadResult kept = codec.readTableRow(codec.tableRowJson(row));
    assertThat(kept).isInstanceOf(io.leadrouter.ReadResult.Readable.class);
    Lead a = ((io.leadrouter.ReadResult.Readable) direct).lead();
    Lead b = ((io.leadrouter.ReadResult.Readable) kept).lead();
    assertThat(b.id()).isEqualTo(LeadId.of(lead.id().value()));
    assertThat(b).isEqualTo(a);
  }
}
