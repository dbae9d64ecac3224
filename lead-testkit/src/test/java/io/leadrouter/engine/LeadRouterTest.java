package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadDeliveryException;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterBuilder;
import io.leadrouter.LeadRouterException;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.RoutingRule;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.Await;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LeadRouterTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final DeliveryPolicy FAST = DeliveryPolicy.DEFAULTS
      .withBackoff(Duration.ofMillis(5), Duration.ofMillis(40)).withMaxRetryAfter(Duration.ofMillis(200))
      .withBreaker(50, Duration.ofMillis(100));

  @TempDir Path dir;
  private final List<LeadRouter> routers = new ArrayList<>();
  private final List<LeadEvent> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    routers.forEach(LeadRouter::close);
  }

  private LeadRouterBuilder builder() {
    return LeadRouter.builder().journal(InMemoryJournal.create()).listener(events::add);
  }

  private LeadRouter start(LeadRouterBuilder b) {
    LeadRouter r = b.build();
    routers.add(r);
    return r;
  }

  @Test
  void route_healthySink_returnsReceiptThatCompletesCreated() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter router = start(builder().addSink("crm", crm, FAST).defaultRoute("crm"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    RoutingReceipt receipt = router.route(lead);
    assertThat(receipt.duplicate()).isFalse();
    assertThat(receipt.destinations()).containsExactly("crm");
    DeliveryResult result = receipt.deliveries().get("crm").get(20, TimeUnit.SECONDS);
    assertThat(result.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(crm.leads()).containsExactly(lead);
  }

  @Test
  void route_concurrentCallers_everyReceiptCompletes() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink(SinkCapabilities.builder().maxConcurrency(8).build());
    LeadRouter router = start(builder().addSink("crm", crm, FAST).defaultRoute("crm"));
    java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(16);
    try {
      List<java.util.concurrent.Future<RoutingReceipt>> routed = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        routed.add(callers.submit(() -> router.route(SampleLeads.azureMarketplaceInstall())));
      }
      for (java.util.concurrent.Future<RoutingReceipt> f : routed) {
        // a completion that raced the receipt's registration would leave this future pending forever
        f.get(20, TimeUnit.SECONDS).deliveries().get("crm").get(20, TimeUnit.SECONDS);
      }
      assertThat(crm.size()).isEqualTo(2000);
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void backlog_isClaimedARoundForEverySlotAtATime_notOneLeadPerFreedSlot() throws Exception {
    DelayingJournal journal = new DelayingJournal(InMemoryJournal.create(), lead -> Duration.ZERO);
    for (int i = 0; i < 40; i++) {
      journal.accept(SampleLeads.azureMarketplaceInstall().toBuilder().id(io.leadrouter.LeadId.random()).build(),
          List.of("crm"),
          java.time.Instant.now());
    }
    java.util.Map<io.leadrouter.LeadId, Integer> got = new java.util.concurrent.ConcurrentHashMap<>();
    LeadSink slow = TestSinks.of(SinkCapabilities.builder().maxConcurrency(4).upsert(true).build(), lead -> {
      TestSinks.take(Duration.ofMillis(20));
      got.merge(lead.id(), 1, Integer::sum);
      return DeliveryResult.created(null);
    });
    LeadRouter router = start(LeadRouter.builder().journal(journal).addSink("crm", slow, FAST).defaultRoute("crm"));

    // awaited on the journal, not on the sink's calls: the 40th call returns before its delivery is settled, so
    // counts read at once could still show it in flight
    Await.until("the 40 deliveries to crm settled", WAIT,
        () -> router.counts().get("crm").getOrDefault(DeliveryState.DELIVERED, 0L) == 40);
    assertThat(router.counts().get("crm")).containsOnlyKeys(DeliveryState.DELIVERED);
    assertThat(got).hasSize(40);
    assertThat(got.values()).as("each lead delivered once").containsOnly(1);
    // one lead per freed slot would be about 37 claims; a round of 4 per claim is about 10
    assertThat(journal.claimSizes).as("claims").hasSizeLessThanOrEqualTo(15).contains(4);
  }

  @Test
  void route_deliveredBeforeRouteReturns_receiptStillCompletes() throws Exception {
    // lead i pauses i x 150 ms between its commit and route() returning; the worker, woken by lead 0, delivers the
    // others in that window: their receipts must still complete
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      leads.add(SampleLeads.azureMarketplaceInstall());
    }
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter router = start(LeadRouter.builder().journal(new DelayingJournal(InMemoryJournal.create(),
        lead -> Duration.ofMillis(150L * leads.indexOf(lead)))).addSink("crm", crm, FAST).defaultRoute("crm"));
    java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(leads.size());
    try {
      List<java.util.concurrent.Future<RoutingReceipt>> routed = new ArrayList<>();
      for (Lead lead : leads) {
        routed.add(callers.submit(() -> router.route(lead)));
      }
      for (java.util.concurrent.Future<RoutingReceipt> f : routed) {
        assertThat(f.get(20, TimeUnit.SECONDS).deliveries().get("crm").get(10, TimeUnit.SECONDS).outcome())
            .isEqualTo(DeliveryOutcome.CREATED);
      }
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void batchingSink_getsBatchesUpToItsMax_andOneBadRecordFailsOnlyItself() throws Exception {
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    TestSinks.RejectingBatches batching = new TestSinks.RejectingBatches(25) {
      @Override
      public List<io.leadrouter.spi.BatchItemResult> deliverBatch(List<Lead> leads)
          throws io.leadrouter.spi.DeliveryException {
        batchSizes.add(leads.size());
        return super.deliverBatch(leads);
      }
    };
    io.leadrouter.journal.LeadJournal journal = InMemoryJournal.create();
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      leads.add(SampleLeads.azureMarketplaceInstall().toBuilder().email((i % 10 == 3 ? "bad" : "ok") + i
          + "@contoso.com").build());
    }
    for (Lead l : leads) { // accepted before the router starts, so the worker finds a backlog to batch
      journal.accept(l, List.of("crm"), Instant.now());
    }
    LeadRouter router = start(LeadRouter.builder().journal(journal).addSink("crm", batching, FAST)
        .defaultRoute("crm"));
    Map<DeliveryState, Long> counts = Map.of();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      counts = router.counts().getOrDefault("crm", Map.of());
      if (counts.getOrDefault(DeliveryState.DELIVERED, 0L) + counts.getOrDefault(DeliveryState.DEAD, 0L) == 100) {
        break;
      }
      Thread.sleep(20);
    }
    assertThat(counts).containsEntry(DeliveryState.DELIVERED, 90L).containsEntry(DeliveryState.DEAD, 10L);
    assertThat(batching.store.size()).isEqualTo(90);
    assertThat(batchSizes).allMatch(n -> n <= 25).anyMatch(n -> n > 1);
    assertThat(router.deadLetters(DeliveryQuery.deadLetters())).hasSize(10)
        .allSatisfy(d -> assertThat(d.diagnosis().orElseThrow().code()).isEqualTo("TEST_RECORD_REJECTED"));
  }

  @Test
  void route_rulesFanOutAndDefaultCatchesTheRest() {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    InMemoryLeadSink archive = new InMemoryLeadSink();
    LeadRouter router = start(builder().addSink("crm", crm, FAST).addSink("archive", archive, FAST)
        .route(new RoutingRule("appsource", java.util.Optional.of("contoso.*"), java.util.Set.of("spza"),
            java.util.Set.of(), List.of("crm", "archive")))
        .defaultRoute("archive"));
    Lead appSource = SampleLeads.appSourceCreate();
    Lead other = SampleLeads.testDrive();
    assertThat(router.routeAndWait(appSource, WAIT)).containsOnlyKeys("crm", "archive");
    assertThat(router.routeAndWait(other, WAIT)).containsOnlyKeys("archive");
    assertThat(crm.leads()).containsExactly(appSource);
    assertThat(archive.leads()).containsExactlyInAnyOrder(appSource, other);
  }

  @Test
  void route_noMatchingRuleAndNoDefault_isRefusedBeforeAcceptance() {
    LeadRouter router = start(builder().addSink("crm", new InMemoryLeadSink(), FAST)
        .route(RoutingRule.offer("only-contoso", "contoso.*", List.of("crm"))));
    Lead lead = SampleLeads.testDrive();
    assertThatThrownBy(() -> router.route(lead))
        .isInstanceOf(LeadRouterException.class)
        .hasMessage("no route for lead " + lead.id() + " (source 'TestDrive-StartTestDrive|northwind.sim'):"
            + " add a routing rule that matches it or a default route");
    assertThat(router.journal().lead(lead.id())).isEmpty();
  }

  @Test
  void routeInTransaction_journalWithoutOutbox_isRefusedAndRecordsNothing() throws Exception {
    LeadRouter router = start(builder().addSink("crm", new InMemoryLeadSink(), FAST).defaultRoute("crm"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite::memory:")) {
      assertThatThrownBy(() -> router.route(lead, c))
          .isInstanceOf(LeadRouterException.class)
          .hasMessage("SQLite journal in memory (tests only: leads are lost when the process ends) cannot enqueue"
              + " leads in the caller's transaction: route(lead, connection) needs a journal in the same database,"
              + " e.g. the PostgreSQL journal (lead-journal-postgres); use route(lead) with this journal");
    }
    assertThat(router.journal().lead(lead.id())).isEmpty();
  }

  @Test
  void route_oddContent_isNeverRefused_butNormalisedAndFlagged() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter router = start(builder().addSink("crm", crm, FAST).defaultRoute("crm"));
    Lead odd = SampleLeads.azureMarketplaceInstall().toBuilder().email("not-an-email").country("USA")
        .description("x".repeat(1024 * 1024)).build();

    router.routeAndWait(odd, WAIT);

    Lead delivered = crm.leads().get(0);
    assertThat(delivered.customer().country()).isEqualTo("US");
    assertThat(delivered.customer().email()).isEqualTo("not-an-email");
    assertThat(delivered.description()).hasSize(1024 * 1024);
    assertThat(delivered.flags()).extracting(f -> f.toString()).containsExactly(
        "COUNTRY_NORMALISED UserDetails.Country: 'USA' read as US",
        "EMAIL_INVALID UserDetails.Email: '***' is not an e-mail address: has no @; kept as sent",
        // kept whole, and said at intake rather than first by a destination that cannot take it
        "OVER_LIMIT Description: 1048576 characters, over the limit of 32000 (LeadLimits.DEFAULTS): kept whole; a"
            + " destination that cannot take it fails this lead there. Fix: shorten it to at most 32000 characters",
        "OVER_LIMIT lead: 1048686 characters in all, over the limit of 64000 (LeadLimits.DEFAULTS): kept whole; a"
            + " destination that cannot take it fails this lead there. Fix: shorten the description or attributes");
    assertThat(delivered.flags().get(0).original()).isEqualTo("USA");
    assertThat(router.journal().lead(odd.id())).contains(delivered);
  }

  @Test
  void route_sameLeadTwice_isDuplicateAndDeliveredOnce() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter router = start(builder().addSink("crm", crm, FAST).defaultRoute("crm"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    router.routeAndWait(lead, WAIT);
    RoutingReceipt again = router.route(lead);
    assertThat(again.duplicate()).isTrue();
    assertThat(again.deliveries().get("crm").get(5, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(crm.deliveryCount(lead.id())).isEqualTo(1);
  }

  @Test
  void transientFailures_areRetriedFromTheJournalUntilDelivered() {
    InMemoryLeadSink crm = new InMemoryLeadSink().failNext(3, null);
    LeadRouter router = start(builder().addSink("crm", crm, FAST).defaultRoute("crm"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    assertThat(router.routeAndWait(lead, WAIT).get("crm").outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(crm.deliveryCount(lead.id())).isEqualTo(1);
    assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.RETRYING).hasSize(3)
        .extracting(LeadEvent::attempts).containsExactly(1, 2, 3);
    assertThat(events).extracting(LeadEvent::type).startsWith(LeadEvent.Type.ACCEPTED)
        .endsWith(LeadEvent.Type.DELIVERED);
  }

  @Test
  void listeners_seeAcceptedFirst_evenWhenTheWorkerActsBeforeRouteReturns() {
    // route() pauses 300 ms between its commit and telling listeners; the worker fails the lead meanwhile
    InMemoryLeadSink crm = new InMemoryLeadSink().failNext(1, null);
    LeadRouter router = start(LeadRouter.builder().journal(new DelayingJournal(InMemoryJournal.create(),
        lead -> Duration.ofMillis(300))).listener(events::add).addSink("crm", crm, FAST).defaultRoute("crm"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    assertThat(router.routeAndWait(lead, WAIT).get("crm").outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(events).extracting(LeadEvent::type)
        .containsExactly(LeadEvent.Type.ACCEPTED, LeadEvent.Type.RETRYING, LeadEvent.Type.DELIVERED);
  }

  @Test
  void retryAfter_longerThanTheClamp_isClamped() {
    InMemoryLeadSink crm = new InMemoryLeadSink().failNext(1, Duration.ofHours(10));
    LeadRouter router = start(builder().addSink("crm", crm, FAST).defaultRoute("crm"));
    router.routeAndWait(SampleLeads.azureMarketplaceInstall(), WAIT);
    LeadEvent retry = events.stream().filter(e -> e.type() == LeadEvent.Type.RETRYING).findFirst().orElseThrow();
    assertThat(Duration.between(retry.at(), retry.nextAttempt().orElseThrow())).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void permanentFailure_deadLettersWithDiagnosis_andReplayDeliversOnceFixed() throws Exception {
    Diagnosis auth = new Diagnosis("CRM_AUTH_FAILED", "invalid client secret", "create a new secret");
    InMemoryLeadSink crm = new InMemoryLeadSink().failPermanently(auth);
    LeadRouter router = start(builder().addSink("crm", crm, FAST).defaultRoute("crm"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    Throwable thrown = catchThrowable(() -> router.routeAndWait(lead, WAIT));
    assertThat(thrown).isInstanceOf(LeadDeliveryException.class)
        .hasMessage("lead " + lead.id() + " was dead-lettered at 'crm': CRM_AUTH_FAILED: invalid client secret."
            + " Fix: create a new secret");
    List<DeliveryRecord> dead = router.deadLetters(DeliveryQuery.deadLetters().destination("crm"));
    assertThat(dead).singleElement().satisfies(d -> {
      assertThat(d.leadId()).isEqualTo(lead.id());
      assertThat(d.diagnosis()).contains(auth);
      assertThat(d.attempts()).isEqualTo(1);
    });
    crm.heal();
    assertThat(router.replay(DeliveryQuery.deadLetters().diagnosisCode("CRM_AUTH_FAILED"))).isEqualTo(1);
    RoutingReceipt receipt = router.route(lead); // a duplicate: follows the replayed delivery
    assertThat(receipt.deliveries().get("crm").get(20, TimeUnit.SECONDS).outcome())
        .isEqualTo(DeliveryOutcome.CREATED);
    assertThat(crm.contains(lead.id())).isTrue();
    assertThat(router.deadLetters(DeliveryQuery.deadLetters())).isEmpty();
  }

  @Test
  void quota_parksTheDestinationWithoutDeadLettering_thenResumes() {
    InMemoryLeadSink mkto = new InMemoryLeadSink();
    LeadRouter router = start(builder().addSink("mkto", mkto, FAST).defaultRoute("mkto"));
    // spent from now, not from before the router started (a slow start on a loaded machine outlived 700 ms)
    mkto.quotaSpentUntil(Instant.now().plusMillis(1000));
    List<Lead> leads = List.of(SampleLeads.azureMarketplaceInstall(), SampleLeads.appSourceCreate());
    List<RoutingReceipt> receipts = leads.stream().map(router::route).toList();
    receipts.forEach(r -> r.allDelivered().orTimeout(20, TimeUnit.SECONDS).join());
    assertThat(events).anyMatch(e -> e.type() == LeadEvent.Type.PARKED)
        .noneMatch(e -> e.type() == LeadEvent.Type.DEAD_LETTERED)
        .noneMatch(e -> e.type() == LeadEvent.Type.RETRYING);
    assertThat(mkto.size()).isEqualTo(2);
  }

  @Test
  void receipt_ofALeadDeliveredByAnotherRouter_completesAtTheNextReceiptCheck() throws Exception {
    io.leadrouter.journal.LeadJournal journal = InMemoryJournal.create();
    InMemoryLeadSink mkto = new InMemoryLeadSink().quotaSpentUntil(Instant.now().plus(Duration.ofDays(1)));
    LeadRouter router = start(LeadRouter.builder().journal(journal).receiptCheck(Duration.ofMillis(100))
        .addSink("mkto", mkto, FAST).defaultRoute("mkto"));
    RoutingReceipt receipt = router.route(SampleLeads.azureMarketplaceInstall());
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (router.counts().get("mkto").get(DeliveryState.PARKED) == null && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(receipt.allDelivered()).isNotDone();

    // another router on the same journal (after the quota reset) delivers it; this router is not told
    Instant later = Instant.now().plus(Duration.ofDays(2));
    var claimed = journal.claimDue("mkto", later, 10, Duration.ofMinutes(5));
    assertThat(claimed).hasSize(1);
    journal.settle(List.of(io.leadrouter.journal.Settlement.delivered(claimed.get(0).deliveryId(),
        DeliveryResult.created("elsewhere-1"), later)), later);

    assertThat(receipt.deliveries().get("mkto").get(10, TimeUnit.SECONDS).recordId()).contains("elsewhere-1");
  }

  @Test
  void transientForever_givesUpAfterTheGiveUpAge_intoDeadLetters() {
    InMemoryLeadSink crm = new InMemoryLeadSink().failNext(Integer.MAX_VALUE, null);
    LeadRouter router = start(builder().addSink("crm", crm, FAST.withGiveUpAfter(Duration.ofMillis(300)))
        .defaultRoute("crm"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    Throwable thrown = catchThrowable(() -> router.routeAndWait(lead, WAIT));
    assertThat(thrown).isInstanceOf(LeadDeliveryException.class);
    Diagnosis d = ((LeadDeliveryException) thrown).diagnosis();
    assertThat(d.code()).isEqualTo("DELIVERY_GAVE_UP");
    // the last attempt met either the scripted error or, after enough failures in a row, the open breaker
    assertThat(d.message()).startsWith("gave up after ").contains(" attempts over PT0.3S; ")
        .containsAnyOf("last error: in-memory destination unavailable (scripted)",
            "the destination's circuit breaker is open");
    assertThat(d.remediation()).isEqualTo("fix the destination, then replay its dead letters");
  }

  @Test
  void oneDestinationHanging_doesNotSlowTheOthers() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    LeadSink hanging = TestSinks.of(SinkCapabilities.builder().maxConcurrency(2).build(), lead -> {
      TestSinks.hang(release, Duration.ofSeconds(60));
      return DeliveryResult.created(null);
    });
    InMemoryLeadSink healthy = new InMemoryLeadSink();
    LeadRouter router = start(builder().addSink("hanging", hanging, FAST).addSink("healthy", healthy, FAST)
        .defaultRoute("hanging", "healthy"));
    try {
      List<RoutingReceipt> receipts = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        receipts.add(router.route(SampleLeads.azureMarketplaceInstall()));
      }
      for (RoutingReceipt r : receipts) {
        r.deliveries().get("healthy").get(30, TimeUnit.SECONDS);
      }
      assertThat(healthy.size()).isEqualTo(50);
      assertThat(receipts).noneMatch(r -> r.deliveries().get("hanging").isDone());
    } finally {
      release.countDown();
    }
  }

  @Test
  void restart_leadsAcceptedBeforeAreDeliveredAfter() {
    Path db = dir.resolve("leadrouter.db");
    InMemoryLeadSink down = new InMemoryLeadSink().failNext(Integer.MAX_VALUE, null);
    LeadRouter first = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("crm", down, DeliveryPolicy.DEFAULTS.withBackoff(Duration.ofMillis(50), Duration.ofMillis(50)))
        .defaultRoute("crm").build();
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Lead l = SampleLeads.azureMarketplaceInstall();
      leads.add(l);
      first.route(l);
    }
    first.close();
    InMemoryLeadSink up = new InMemoryLeadSink();
    LeadRouter second = start(LeadRouter.builder().journal(SqliteJournal.open(db)).addSink("crm", up, FAST)
        .defaultRoute("crm"));
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (up.size() < 20 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(up.leads()).containsExactlyInAnyOrderElementsOf(leads);
    Map<DeliveryState, Long> counts = awaitSettled(second, "crm", 20);
    assertThat(counts).containsEntry(DeliveryState.DELIVERED, 20L);
  }

  @Test
  void listenerThatThrows_neverAffectsDelivery() {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter router = start(builder().addSink("crm", crm, FAST).defaultRoute("crm").listener(e -> {
      throw new IllegalStateException("listener bug");
    }));
    assertThat(router.routeAndWait(SampleLeads.doNotContact(), WAIT)).containsKey("crm");
  }

  @Test
  void build_routeToUnknownSink_reportsAllProblemsAtOnce() {
    assertThatThrownBy(() -> LeadRouter.builder().journal(InMemoryJournal.create())
        .addSink("crm", new InMemoryLeadSink())
        .route(RoutingRule.all("r", List.of("crm", "crm2"))).defaultRoute("archive").build())
        .hasMessage("invalid configuration (2 problems):\n"
            + "  - routes[0].sinks: no sink named 'crm2' (did you mean 'crm'? otherwise define it (defined: crm))\n"
            + "  - default: no sink named 'archive' (define it or fix the name (defined: crm))");
  }

  private static Map<DeliveryState, Long> awaitSettled(LeadRouter router, String dest, long n) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Map<DeliveryState, Long> counts = Map.of();
    while (System.nanoTime() < deadline) {
      counts = router.counts().getOrDefault(dest, Map.of());
      if (counts.getOrDefault(DeliveryState.DELIVERED, 0L) >= n) {
        break;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return counts;
  }
}
