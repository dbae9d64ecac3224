package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.data.tables.models.TableEntity;
import io.leadrouter.InvalidLeadException;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.testkit.Await;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The poller against a real Azurite: restarts, equal timestamps, malformed rows, target failures. */
class AzureTableLeadPollerTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();

  /** {@code p} once its table's rows are old enough to be taken (see {@link Azurite#settled}). */
  private static AzureTableLeadPoller settled(AzureTableLeadPoller p) {
    return AZURITE.azurite().settled(p);
  }
  @TempDir Path dir;
  private String table;
  private AzureTableSink writer;
  private final List<Lead> routed = Collections.synchronizedList(new ArrayList<>());
  private final List<MalformedRow> malformed = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void setUp() {
    table = Azurite.uniqueTable("Market");
    writer = AzureTableSink.builder().account(account()).tableName(table).createTableIfMissing(true).build();
  }

  @AfterEach
  void tearDown() {
    writer.close();
  }

  static AzureTableAccount account() {
    return AzureTableAccount.connectionString(AZURITE.azurite().connectionString());
  }

  private AzureTableLeadPoller.Builder poller(CheckpointStore store) {
    return AzureTableLeadPoller.builder().account(account()).tableName(table).target(routed::add)
        .checkpointStore(store).onMalformedRow(malformed::add).settleDelayBelowMinimum(Azurite.SETTLE)
        .pollInterval(Duration.ofSeconds(1)).maxRetries(0).requestTimeout(Duration.ofSeconds(10));
  }

  private List<Lead> write(int n) throws Exception {
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder()
          .createdTime(SampleLeads.CREATED.plus(Duration.ofDays(i % 3))).build();
      writer.deliver(lead);
      leads.add(lead);
    }
    return leads;
  }

  private List<LeadId> routedIds() {
    synchronized (routed) {
      return routed.stream().map(Lead::id).toList();
    }
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    Await.until(what, Duration.ofSeconds(30), condition);
  }

  /** A poll that routed {@code routed} rows, reported {@code malformed} ones and did not fail. */
  static AzureTableLeadPoller.PollResult succeeded(int routed, int malformed) {
    return new AzureTableLeadPoller.PollResult(routed, malformed, java.util.Optional.empty());
  }

  @Test
  void restart_rowsWrittenWhileStopped_areAllRoutedOnceAfterRestart() throws Exception {
    CheckpointStore store = TableCheckpointStore.create(account(), "PollerCheckpoints", table);
    List<Lead> before = write(3);
    try (AzureTableLeadPoller first = poller(store).build()) {
      first.start();
      await("the first 3 leads", () -> routed.size() >= 3);
    }
    List<Lead> whileStopped = write(4);
    try (AzureTableLeadPoller second = poller(store).build()) {
      second.start();
      await("all 7 leads", () -> routed.size() >= 7);
      second.stop();
      assertThat(second.isRunning()).isFalse();
      assertThat(settled(second).pollOnce()).isEqualTo(succeeded(0, 0));
    }
    List<LeadId> expected = new ArrayList<>();
    before.forEach(l -> expected.add(l.id()));
    whileStopped.forEach(l -> expected.add(l.id()));
    assertThat(routedIds()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(routed).filteredOn(l -> l.id().equals(before.get(0).id())).singleElement()
        .satisfies(l -> assertThat(l.customer()).isEqualTo(before.get(0).customer()));
  }

  /**
   * The checkpoint table deleted while the poller runs (an operator cleaning up, a script): the next save creates it
   * again. Before, the store remembered having created it, every save failed 404 until the application restarted, and
   * each poll offered its first new row to the target again.
   */
  @Test
  void checkpointTableDeletedWhilePolling_isCreatedAgain_eachLeadTakenOnce() throws Exception {
    String checkpoints = Azurite.uniqueTable("Cp");
    CheckpointStore store = TableCheckpointStore.create(account(), checkpoints, table);
    List<Lead> leads = new ArrayList<>(write(1));
    try (AzureTableLeadPoller p = poller(store).build()) {
      assertThat(settled(p).pollOnce()).isEqualTo(succeeded(1, 0));
      AZURITE.azurite().table(checkpoints).deleteTable();
      leads.addAll(write(2));
      assertThat(settled(p).pollOnce()).isEqualTo(succeeded(2, 0));
      assertThat(settled(p).pollOnce()).isEqualTo(succeeded(0, 0));
      assertThat(store.load()).isEqualTo(p.checkpoint());
    }
    assertThat(routedIds()).containsExactlyInAnyOrderElementsOf(leads.stream().map(Lead::id).toList());
  }

  @Test
  void smallPolls_acrossRestarts_noneSkippedNoneRepeated() throws Exception {
    List<Lead> leads = IntStream.range(0, 10).mapToObj(i -> SampleLeads.doNotContact()).toList();
    writer.deliverBatch(leads); // one entity-group transaction: rows written within the same few milliseconds
    CheckpointStore store = FileCheckpointStore.at(dir.resolve("checkpoint.json"));
    int polls = 0;
    AzureTableLeadPoller.PollResult r;
    do {
      try (AzureTableLeadPoller p = poller(store).maxRowsPerPoll(3).build()) { // a restart before every poll
        r = settled(p).pollOnce();
      }
      assertThat(r.failure()).isEmpty();
      polls++;
    } while (r.routed() > 0 && polls < 10);
    assertThat(polls).isEqualTo(5); // 3 + 3 + 3 + 1, then an empty poll
    assertThat(routedIds()).containsExactlyInAnyOrderElementsOf(leads.stream().map(Lead::id).toList());
  }

  @Test
  void malformedRows_areReportedOnceLoggedWithoutPiiAndPassedOver() throws Exception {
    var raw = AZURITE.azurite().table(table);
    writer.deliver(SampleLeads.testDrive()); // creates the table
    raw.createEntity(new TableEntity("11:2F25:2F2026", "bad-row-1")
        .addProperty("CustomerInfo", "{\"Email\":\"jane.roe@contoso.com\", oops")
        .addProperty("LeadSource", "AzureMarketplace-INS|contoso.crm-connector"));
    // a row key no lead id can be (a space) is no reason to pass a lead over: its id is derived from it, flagged
    raw.createEntity(new TableEntity("11:2F25:2F2026", "odd row 2")
        .addProperty("CustomerInfo", "{\"Email\":\"jane.roe@contoso.com\"}"));
    List<Lead> good = write(1);
    try (OutputCapture log = OutputCapture.start();
        AzureTableLeadPoller p = poller(FileCheckpointStore.at(dir.resolve("cp.json"))).build()) {
      AzureTableLeadPoller.PollResult first = settled(p).pollOnce();
      assertThat(first.routed()).isEqualTo(3);
      assertThat(first.malformed()).isEqualTo(1);
      assertThat(settled(p).pollOnce().malformed()).as("reported once").isZero();
      assertThat(log.text()).contains("skipped malformed lead row bad-row-1 (partition 11:2F25:2F2026")
          .contains("invalid CustomerInfo").doesNotContain("jane.roe@contoso.com");
    }
    assertThat(malformed).extracting(MalformedRow::rowKey).containsExactly("bad-row-1");
    assertThat(routed).filteredOn(l -> l.id().equals(io.leadrouter.LeadId.derivedFrom("odd row 2"))).singleElement()
        .satisfies(l -> assertThat(l.flags()).extracting(io.leadrouter.LeadFlag::code, io.leadrouter.LeadFlag::path)
            .containsExactly(org.assertj.core.groups.Tuple.tuple(io.leadrouter.LeadFlag.LEAD_ID_UNUSABLE, "RowKey")));
    assertThat(routedIds()).contains(good.get(0).id()).hasSize(3);
  }

  @Test
  void targetFails_pollEndsAndTheSameLeadIsOfferedAgainNextPoll() throws Exception {
    List<Lead> leads = write(2);
    AtomicBoolean down = new AtomicBoolean(true);
    LeadTarget flaky = lead -> {
      if (down.get()) {
        throw new IllegalStateException("journal unavailable");
      }
      routed.add(lead);
    };
    try (AzureTableLeadPoller p = poller(FileCheckpointStore.at(dir.resolve("cp.json"))).target(flaky).build()) {
      AzureTableLeadPoller.PollResult failed = settled(p).pollOnce();
      assertThat(failed.routed()).isZero();
      assertThat(failed.failure()).get().extracting(Throwable::getMessage).isEqualTo("journal unavailable");
      assertThat(p.checkpoint()).contains(PollerCheckpoint.BEGINNING);
      down.set(false);
      assertThat(settled(p).pollOnce().routed()).isEqualTo(2);
    }
    assertThat(routedIds()).containsExactlyInAnyOrderElementsOf(leads.stream().map(Lead::id).toList());
  }

  @Test
  void targetThrowsAnError_pollEndsWithoutThrowing_scheduledPollingGoesOn_andTheLeadIsRoutedOnce() throws Exception {
    List<Lead> leads = write(1);
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    LeadTarget failingTwice = lead -> {
      switch (calls.incrementAndGet()) { // as a plugin may: the router treats these as a sink's failures too
        case 1 -> throw new StackOverflowError();
        case 2 -> throw new AssertionError("target bug");
        default -> routed.add(lead);
      }
    };
    MalformedRowListener brokenListener = row -> {
      throw new NoClassDefFoundError("alerts/Mailer");
    };
    try (AzureTableLeadPoller p = poller(FileCheckpointStore.at(dir.resolve("cp.json"))).target(failingTwice)
        .onMalformedRow(brokenListener).build()) {
      AzureTableLeadPoller.PollResult failed = settled(p).pollOnce();
      assertThat(failed.routed()).isZero();
      assertThat(failed.failure()).get().extracting(Throwable::getMessage).isEqualTo("the target failed with "
          + "java.lang.StackOverflowError; the row is offered again at the next poll");
      assertThat(p.checkpoint()).contains(PollerCheckpoint.BEGINNING);
      AZURITE.azurite().table(table).createEntity(new TableEntity("11:2F25:2F2026", "bad-row")
          .addProperty("CustomerInfo", "{oops"));
      p.start(); // the AssertionError ends its first poll; the schedule goes on
      await("the lead", () -> routed.size() == 1);
      await("the bad row passed over, its listener's failure logged", () -> settled(p).pollOnce()
          .equals(succeeded(0, 0)));
      assertThat(calls).hasValue(3);
    }
    assertThat(routedIds()).containsExactly(leads.get(0).id());
  }

  @Test
  void targetRefusesLeadAsInvalid_isReportedAsMalformedAndPassedOver() throws Exception {
    List<Lead> leads = write(1);
    LeadTarget strict = lead -> {
      throw new InvalidLeadException("customer.email", "is required", "send an e-mail");
    };
    try (AzureTableLeadPoller p = poller(FileCheckpointStore.at(dir.resolve("cp.json"))).target(strict).build()) {
      assertThat(settled(p).pollOnce()).isEqualTo(succeeded(0, 1));
      assertThat(settled(p).pollOnce().malformed()).isZero();
    }
    assertThat(malformed).singleElement().satisfies(m -> {
      assertThat(m.rowKey()).isEqualTo(leads.get(0).id().value());
      assertThat(m.problems()).extracting(io.leadrouter.Problem::path).containsExactly("customer.email");
    });
  }

  @Test
  void settleDelay_leavesRowsYoungerThanItForALaterPoll() throws Exception {
    write(1);
    Clock anHourAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
    CheckpointStore store = FileCheckpointStore.at(dir.resolve("cp.json"));
    try (AzureTableLeadPoller p = poller(store).settleDelay(Duration.ofSeconds(5)).clock(anHourAgo).build()) {
      assertThat(settled(p).pollOnce().routed()).isZero();
    }
    // a host clock ahead does not settle it sooner: the delay counts on the service's clock too (its Date)
    try (AzureTableLeadPoller p = poller(store).settleDelay(Duration.ofSeconds(5))
        .clock(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(10))).build()) {
      await("the row older than the settle delay on the service's clock too", () -> {
        settled(p).pollOnce();
        return routed.size() == 1;
      });
    }
  }

  @Test
  void build_invalidSettings_listsEveryProblem() {
    assertThatThrownBy(() -> AzureTableLeadPoller.builder().pollInterval(Duration.ofMillis(10))
        .settleDelay(Duration.ofHours(1)).maxRowsPerPoll(0).tableName("x").retryDelay(Duration.ofMillis(-1)).build())
        .isInstanceOf(io.leadrouter.ConfigurationException.class)
        .hasMessage("invalid configuration (7 problems):\n"
            + "  - account: is required (give the storage account (AzureTableAccount))\n"
            + "  - target: is required (give where leads go, e.g. router::route)\n"
            + "  - pollInterval: PT0.01S is out of range (use PT1S to PT1H)\n"
            + "  - settleDelay: PT1H is out of range (use PT1S to PT5M)\n"
            + "  - maxRowsPerPoll: 0 is out of range (use 1 or more)\n"
            + "  - tableName: 'x' is not a valid table name (use 3 to 63 letters and digits, starting with a letter)\n"
            + "  - retryDelay: must not be negative (write e.g. 200ms)");
  }

  /**
   * Before: settleDelay(0) was allowed, and with it the poller took rows up to the instant it asked: a row still
   * committing elsewhere (another partition server) with an earlier Timestamp than a row taken became visible after the
   * checkpoint had moved past it, and was passed over for good. Below a second is refused, naming the minimum.
   */
  @ParameterizedTest
  @ValueSource(strings = {"PT0S", "PT0.5S", "PT-1S"})
  void build_settleDelayBelowASecond_isRefusedNamingTheSettingTheValueAndTheMinimum(String delay) {
    Duration d = Duration.parse(delay);
    assertThatThrownBy(() -> poller(FileCheckpointStore.at(dir.resolve("cp.json"))).settleDelay(d).build())
        .isInstanceOf(io.leadrouter.ConfigurationException.class)
        .hasMessage("invalid configuration: settleDelay: " + d + " is below the minimum of PT1S (use PT1S to PT5M: a"
            + " row still committing with an earlier Timestamp than the rows taken would be passed over for good)");
    try (AzureTableLeadPoller least = poller(FileCheckpointStore.at(dir.resolve("cp.json")))
        .settleDelay(Duration.ofSeconds(1)).build()) {
      assertThat(least.isRunning()).isFalse();
    }
  }
}
