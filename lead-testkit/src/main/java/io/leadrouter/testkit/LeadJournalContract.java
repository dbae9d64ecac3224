package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.journal.AcceptResult;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.Settlement;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link LeadJournal} shares, whatever its database: subclass it and open a new, empty journal in
 * {@link #openJournal()}. Scenarios: accept and claim, duplicates, concurrent acceptance, retries, dead letters
 * (list, replay, purge), parking, pruning, lease expiry and renewal, and payload round trips.
 */
public abstract class LeadJournalContract {
  /** The time the scenarios start at. */
  protected static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  /** The lease the scenarios claim with. */
  protected static final Duration LEASE = Duration.ofMinutes(5);

  private final List<LeadJournal> opened = new ArrayList<>();

  /** A new, empty journal; the contract closes it after each test. */
  protected abstract LeadJournal openJournal();

  private LeadJournal j;

  @BeforeEach
  void openForTest() {
    j = open();
  }

  @AfterEach
  void closeAll() {
    opened.forEach(LeadJournal::close);
  }

  /** Opens a journal with {@link #openJournal()}, closed after the test. */
  protected final LeadJournal open() {
    LeadJournal journal = openJournal();
    opened.add(journal);
    return journal;
  }

  /** A lead with every part set. */
  protected static Lead lead(String id) {
    return Lead.builder().id(id).createdTime(T0).firstName("Jane").lastName("Doe").email("jane@contoso.com")
        .country("US").source("AzureMarketplace-INS|contoso.crm").offerTitle("CRM").description("{\"a\":1}")
        .attribute("campaign", "blog").build();
  }

  @Test
  void accept_thenClaim_returnsTheSameLeadAndMarksInFlight() {
    Lead lead = lead("lead-1");
    AcceptResult r = j.accept(lead, List.of("crm", "file"), T0);
    assertThat(r.duplicate()).isFalse();
    assertThat(r.deliveries()).extracting(DeliveryRecord::destination).containsExactly("crm", "file");
    List<ClaimedDelivery> claimed = j.claimDue("crm", T0, 10, LEASE);
    assertThat(claimed).hasSize(1);
    assertThat(claimed.get(0).lead()).isEqualTo(lead);
    assertThat(j.claimDue("crm", T0, 10, LEASE)).as("in flight is not claimed twice").isEmpty();
    assertThat(j.counts().get("crm")).containsEntry(DeliveryState.IN_FLIGHT, 1L);
    assertThat(j.counts().get("file")).containsEntry(DeliveryState.PENDING, 1L);
  }

  @Test
  void accept_sameIdTwice_isDuplicateAndRecordsNothingNew() {
    j.accept(lead("lead-1"), List.of("crm"), T0);
    AcceptResult again = j.accept(lead("lead-1"), List.of("crm", "other"), T0.plusSeconds(1));
    assertThat(again.duplicate()).isTrue();
    assertThat(again.deliveries()).extracting(DeliveryRecord::destination).containsExactly("crm");
  }

  @Test
  void accept_concurrentCallers_allDurableAndDistinct() throws Exception {
    // each id routed twice
    List<AcceptResult> results = concurrently(16, 2000, i -> j.accept(lead("lead-" + (i % 1000)), List.of("crm"), T0));
    assertThat(results.stream().filter(r -> !r.duplicate()).count()).isEqualTo(1000);
    assertThat(j.counts().get("crm").get(DeliveryState.PENDING)).isEqualTo(1000L);
  }

  @Test
  void accept_concurrentCallersWithClaims_eachResultNamesItsOwnRows() throws Exception {
    // many accepts share one transaction (group commit); each caller's result must still carry its own rows' ids,
    // the claimed ones in flight for the caller, and a lead routed twice must come back as one lead and a duplicate
    List<AcceptResult> results = concurrently(32, 600, i -> j.accept(lead("grp-" + (i % 300)),
        List.of("crm", "file", "hook"), T0, Optional.empty(), java.util.Set.of("hook"), LEASE));
    java.util.Set<Long> ids = new java.util.HashSet<>();
    int fresh = 0;
    for (AcceptResult r : results) {
      if (r.duplicate()) {
        assertThat(r.claimed()).as("a duplicate claims nothing").isEmpty();
        continue;
      }
      fresh++;
      LeadId lead = r.deliveries().get(0).leadId();
      assertThat(r.deliveries()).extracting(DeliveryRecord::destination).containsExactly("crm", "file", "hook");
      assertThat(r.deliveries()).allSatisfy(d -> assertThat(d.leadId()).isEqualTo(lead));
      assertThat(r.deliveries()).as("the ids the journal holds for this lead")
          .extracting(DeliveryRecord::deliveryId)
          .containsExactlyInAnyOrderElementsOf(j.deliveries(lead).stream().map(DeliveryRecord::deliveryId).toList());
      assertThat(r.claimed()).singleElement().satisfies(c -> {
        assertThat(c.lead().id()).isEqualTo(lead);
        assertThat(c.destination()).isEqualTo("hook");
        assertThat(c.deliveryId()).isEqualTo(r.deliveries().get(2).deliveryId());
      });
      r.deliveries().forEach(d -> ids.add(d.deliveryId()));
    }
    assertThat(fresh).isEqualTo(300);
    assertThat(ids).hasSize(900);
    assertThat(j.counts().get("crm").get(DeliveryState.PENDING)).isEqualTo(300L);
    assertThat(j.counts().get("hook").get(DeliveryState.IN_FLIGHT)).isEqualTo(300L);
  }

  /** One call of {@link #concurrently}: the {@code i}-th. */
  @FunctionalInterface
  private interface Call<T> {
    T call(int i) throws Exception;
  }

  /** Makes {@code calls} calls from {@code threads} threads at once; returns their results in call order. */
  private static <T> List<T> concurrently(int threads, int calls, Call<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        int n = i;
        futures.add(pool.submit(() -> call.call(n)));
      }
      List<T> results = new ArrayList<>(calls);
      for (Future<T> f : futures) {
        results.add(f.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void settle_retryThenDeliver_tracksAttemptsAndDueTime() {
    j.accept(lead("lead-1"), List.of("crm"), T0);
    ClaimedDelivery c = j.claimDue("crm", T0, 1, LEASE).get(0);
    j.settle(List.of(Settlement.retry(c.deliveryId(), T0.plusSeconds(60), "503", Optional.empty())), T0);
    assertThat(j.claimDue("crm", T0.plusSeconds(59), 1, LEASE)).as("not due yet").isEmpty();
    assertThat(j.nextDue("crm")).contains(T0.plusSeconds(60));
    ClaimedDelivery again = j.claimDue("crm", T0.plusSeconds(60), 1, LEASE).get(0);
    assertThat(again.attempts()).isEqualTo(1);
    j.settle(List.of(Settlement.delivered(again.deliveryId(), DeliveryResult.created("rec-9"), T0)), T0);
    DeliveryRecord rec = j.deliveries(LeadId.of("lead-1")).get(0);
    assertThat(rec.state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(rec.result()).contains(new DeliveryResult(DeliveryOutcome.CREATED, Optional.of("rec-9")));
    assertThat(rec.lastError()).contains("503");
  }

  @Test
  void deadLetters_listReplayAndPurge_byDestinationAndCode() {
    for (int i = 0; i < 3; i++) {
      j.accept(lead("lead-" + i), List.of("crm", "mkto"), T0);
    }
    Diagnosis auth = new Diagnosis("CRM_AUTH", "bad secret", "rotate it");
    Diagnosis skip = new Diagnosis("MKTO_SKIPPED", "skipped", "fix the record");
    List<Settlement> s = new ArrayList<>();
    j.claimDue("crm", T0, 10, LEASE).forEach(c -> s.add(Settlement.dead(c.deliveryId(), auth, "401", T0)));
    j.claimDue("mkto", T0, 1, LEASE).forEach(c -> s.add(Settlement.dead(c.deliveryId(), skip, "1004", T0)));
    j.settle(s, T0);
    assertThat(j.list(DeliveryQuery.deadLetters())).hasSize(4);
    assertThat(j.list(DeliveryQuery.deadLetters().destination("crm").diagnosisCode("CRM_AUTH"))).hasSize(3)
        .allSatisfy(d -> assertThat(d.diagnosis()).contains(auth));
    assertThat(j.replay(DeliveryQuery.deadLetters().diagnosisCode("CRM_AUTH"), T0.plusSeconds(5))).isEqualTo(3);
    assertThat(j.claimDue("crm", T0.plusSeconds(5), 10, LEASE)).hasSize(3)
        .allSatisfy(c -> assertThat(c.attempts()).isZero());
    assertThat(j.purgeDeadLetters(DeliveryQuery.deadLetters().destination("mkto"))).isEqualTo(1);
    assertThat(j.list(DeliveryQuery.deadLetters())).isEmpty();
  }

  @Test
  void replay_leavesOutcomeUnknownDeadLettersUnlessTheQueryNamesTheirCode() {
    for (int i = 0; i < 3; i++) {
      j.accept(lead("lead-" + i), List.of("w2l"), T0);
    }
    Diagnosis unknown = new Diagnosis("W2L" + Diagnosis.OUTCOME_UNKNOWN_SUFFIX, "answer lost", "look it up");
    Diagnosis refused = new Diagnosis("W2L_REFUSED", "refused", "fix the form");
    // a code that merely contains the suffix's letters elsewhere is not outcome-unknown ('_' is no wildcard here)
    Diagnosis lookalike = new Diagnosis("W2L_OUTCOMEXUNKNOWN", "refused", "fix the form");
    List<ClaimedDelivery> claimed = j.claimDue("w2l", T0, 10, LEASE);
    List<Diagnosis> why = List.of(unknown, refused, lookalike);
    List<Settlement> s = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      s.add(Settlement.dead(claimed.get(i).deliveryId(), why.get(i), "lost", T0));
    }
    j.settle(s, T0);

    assertThat(j.replay(DeliveryQuery.deadLetters(), T0.plusSeconds(5))).as("a plain replay").isEqualTo(2);
    assertThat(j.list(DeliveryQuery.deadLetters())).singleElement()
        .satisfies(d -> assertThat(d.diagnosis()).contains(unknown));
    assertThat(j.replay(DeliveryQuery.deadLetters().destination("w2l"), T0.plusSeconds(6))).isZero();
    assertThat(j.replay(DeliveryQuery.deadLetters().diagnosisCode(unknown.code()), T0.plusSeconds(7)))
        .as("named by its code").isEqualTo(1);
    assertThat(j.list(DeliveryQuery.deadLetters())).isEmpty();
  }

  @Test
  void park_isRecordedPerDestinationUntilItsTime() {
    j.park("mkto", T0.plusSeconds(3600), "607 daily quota");
    assertThat(j.parkedUntil("mkto", T0)).contains(T0.plusSeconds(3600));
    assertThat(j.parkedUntil("mkto", T0.plusSeconds(3600))).isEmpty();
    assertThat(j.parkedUntil("crm", T0)).isEmpty();
    j.park("mkto", T0.plusSeconds(7200), "607 again");
    assertThat(j.parkedUntil("mkto", T0)).as("parking again moves the time").contains(T0.plusSeconds(7200));
  }

  @Test
  void pruneSettled_removesOnlyOldSettledDeliveries() {
    j.accept(lead("old"), List.of("crm"), T0);
    j.accept(lead("pending"), List.of("crm"), T0);
    ClaimedDelivery c = j.claimDue("crm", T0, 1, LEASE).get(0);
    j.settle(List.of(Settlement.delivered(c.deliveryId(), DeliveryResult.created(null), T0)), T0);
    assertThat(j.pruneSettled(T0.plusSeconds(1))).isEqualTo(1);
    assertThat(j.lead(c.lead().id())).isEmpty();
    assertThat(j.counts().get("crm")).containsEntry(DeliveryState.PENDING, 1L).hasSize(1);
  }

  /**
   * The sinks' counters whose {@code forgetAfter} has passed are pruned, and only they: a day's count once its day is
   * over goes, today's stays, as does a counter written without a moment; a moment raised again moves its
   * {@code forgetAfter} later, never earlier. Journals keeping no counters skip this.
   */
  @Test
  void pruneCounters_removesOnlyCountersPastTheirForgetAfter() {
    Optional<io.leadrouter.spi.SinkCounters> kept = j.counters("w2l");
    org.junit.jupiter.api.Assumptions.assumeTrue(kept.isPresent(), "this journal keeps no counters");
    io.leadrouter.spi.SinkCounters w2l = kept.get();
    io.leadrouter.spi.SinkCounters sf = j.counters("sf").orElseThrow();
    Instant yesterdayOver = T0.minus(Duration.ofHours(1));
    assertThat(w2l.incrementBelow("sent.2026-11-23", 500, yesterdayOver)).isTrue();
    assertThat(w2l.incrementBelow("sent.2026-11-25", 500, T0.plus(Duration.ofDays(1)))).isTrue();
    assertThat(w2l.incrementBelow("sent.2026-11-25", 500, T0.minus(Duration.ofDays(9)))).as("an earlier moment")
        .isTrue();
    assertThat(w2l.incrementBelow("kept", 500)).isTrue();
    assertThat(sf.raiseTo("settling.a", 1_700_000_660L, T0.minusSeconds(1))).isEqualTo(1_700_000_660L);
    assertThat(sf.raiseTo("settling.b", 1_700_000_660L, T0.minusSeconds(1))).isEqualTo(1_700_000_660L);
    assertThat(sf.raiseTo("settling.b", 1_700_000_000L, T0.plusSeconds(660))).as("the value never lowers")
        .isEqualTo(1_700_000_660L);

    assertThat(j.pruneCounters(T0)).as("yesterday's count and settling.a").isEqualTo(2);

    assertThat(w2l.get("sent.2026-11-23")).isZero();
    assertThat(w2l.get("sent.2026-11-25")).as("today's count").isEqualTo(2);
    assertThat(w2l.get("kept")).as("written without a moment").isEqualTo(1);
    assertThat(sf.get("settling.a")).isZero();
    assertThat(sf.get("settling.b")).as("its moment moved later").isEqualTo(1_700_000_660L);
    assertThat(j.pruneCounters(T0.plus(Duration.ofDays(2)))).as("today's count and settling.b, later").isEqualTo(2);
    assertThat(w2l.get("kept")).isEqualTo(1);
    assertThat(w2l.incrementBelow("sent.2026-11-25", 500, T0.plus(Duration.ofDays(3)))).as("written afresh")
        .isTrue();
    assertThat(w2l.get("sent.2026-11-25")).isEqualTo(1);
  }

  @Test
  void reclaimExpiredLeases_returnsOnlyExpiredToPending() {
    j.accept(lead("a"), List.of("crm"), T0);
    j.claimDue("crm", T0, 1, LEASE);
    assertThat(j.reclaimExpiredLeases(T0.plus(LEASE).minusSeconds(1))).isZero();
    assertThat(j.reclaimExpiredLeases(T0.plus(LEASE))).isEqualTo(1);
    assertThat(j.claimDue("crm", T0.plus(LEASE), 1, LEASE)).as("claimable again").hasSize(1);
  }

  /**
   * Whether the journal extends leases ({@link LeadJournal#renewLeases}); a journal that keeps the default (renews
   * nothing, so every call must end within its lease) overrides this to return false.
   */
  protected boolean renewsLeases() {
    return true;
  }

  @Test
  void renewLeases_keepsARunningCallsClaim_onlyForItsHolder_andOnlyWhileInFlight() {
    j.accept(lead("a"), List.of("crm"), T0);
    ClaimedDelivery first = j.claimDue("crm", T0, 1, LEASE).get(0);
    Instant late = T0.plus(LEASE).minusSeconds(1);
    if (!renewsLeases()) {
      assertThat(j.renewLeases(List.of(first), late, LEASE)).isZero();
      return;
    }
    assertThat(j.renewLeases(List.of(first), late, LEASE)).isEqualTo(1);
    assertThat(j.reclaimExpiredLeases(T0.plus(LEASE))).as("renewed: not expired when the first lease ends").isZero();
    assertThat(j.claimDue("crm", T0.plus(LEASE), 1, LEASE)).as("still in flight").isEmpty();

    Instant expired = late.plus(LEASE);
    assertThat(j.reclaimExpiredLeases(expired)).as("the renewed lease ends too").isEqualTo(1);
    ClaimedDelivery second = j.claimDue("crm", expired, 1, LEASE).get(0);
    assertThat(j.renewLeases(List.of(first), expired, LEASE)).as("the old claim renews nothing").isZero();
    assertThat(j.renewLeases(List.of(second), expired, LEASE)).isEqualTo(1);
    j.settle(List.of(Settlement.delivered(second, DeliveryResult.created("rec"), expired)), expired);
    assertThat(j.renewLeases(List.of(second), expired, LEASE)).as("settled: nothing left to renew").isZero();
    assertThat(j.deliveries(second.lead().id())).singleElement()
        .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED));
  }

  @Test
  void settle_byAClaimWhoseLeaseEnded_isRefused_andTheNewClaimsResultStands() {
    j.accept(lead("a"), List.of("crm"), T0);
    ClaimedDelivery stale = j.claimDue("crm", T0, 1, LEASE).get(0);
    assertThat(j.reclaimExpiredLeases(T0.plus(LEASE))).isEqualTo(1);
    ClaimedDelivery current = j.claimDue("crm", T0.plus(LEASE), 1, LEASE).get(0);
    assertThat(current.leaseEpoch()).as("each claim has its own epoch").isGreaterThan(stale.leaseEpoch());
    Instant later = T0.plus(LEASE).plusSeconds(1);

    // the stale holder's call returns while the new holder still delivers: refused, the row stays in flight
    j.settle(List.of(Settlement.dead(stale, new Diagnosis("X", "stale", "none"), "x", later)),
        later);
    assertThat(j.deliveries(stale.lead().id())).singleElement()
        .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.IN_FLIGHT));

    j.settle(List.of(Settlement.delivered(current, DeliveryResult.created("rec-current"), later)), later);
    // ... and after the new holder settled: refused again, the new holder's result stands
    j.settle(List.of(Settlement.delivered(stale, DeliveryResult.created("rec-stale"), later)), later);
    assertThat(j.deliveries(stale.lead().id())).singleElement().satisfies(r -> {
      assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(r.result().flatMap(DeliveryResult::recordId)).contains("rec-current");
      assertThat(r.attempts()).as("the refused dead-letter counted no attempt").isZero();
    });
  }

  @Test
  void settleFencedAsync_byAClaimWhoseLeaseEnded_isReturnedAsRefused_theNewClaimsOutcomeIsNot() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(saysWhatItRefuses(j),
        "the journal keeps LeadJournal's default settleFencedAsync, which says no refusal");
    j.accept(lead("a"), List.of("crm"), T0);
    ClaimedDelivery stale = j.claimDue("crm", T0, 1, LEASE).get(0);
    assertThat(j.reclaimExpiredLeases(T0.plus(LEASE))).isEqualTo(1);
    ClaimedDelivery current = j.claimDue("crm", T0.plus(LEASE), 1, LEASE).get(0);
    Instant later = T0.plus(LEASE).plusSeconds(1);

    Settlement late = Settlement.dead(stale, new Diagnosis("X", "stale", "none"), "x", later);
    assertThat(j.settleFencedAsync(List.of(late), later).get(30, java.util.concurrent.TimeUnit.SECONDS))
        .as("the stale holder's outcome, refused, is said so: it must not be told as the lead's")
        .containsExactly(late);
    assertThat(j.settleFencedAsync(List.of(Settlement.delivered(current, DeliveryResult.created("rec"), later)),
        later).get(30, java.util.concurrent.TimeUnit.SECONDS)).as("the current claim's outcome is written").isEmpty();
    assertThat(j.deliveries(stale.lead().id())).singleElement()
        .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED));
  }

  @Test
  void settle_aLateSuccessOfAClaimWhoseLeaseEnded_whileTheNewClaimRuns_isRecorded_theNewClaimsFailureIsRefused()
      throws Exception {
    j.accept(lead("a"), List.of("crm"), T0);
    ClaimedDelivery stale = j.claimDue("crm", T0, 1, LEASE).get(0);
    assertThat(j.reclaimExpiredLeases(T0.plus(LEASE))).isEqualTo(1);
    ClaimedDelivery current = j.claimDue("crm", T0.plus(LEASE), 1, LEASE).get(0);
    Instant later = T0.plus(LEASE).plusSeconds(1);

    // the hung call did reach the destination and answers now, while the second call runs: the lead arrived
    Settlement late = Settlement.delivered(stale, DeliveryResult.created("rec-late"), later);
    assertThat(settleFenced(late, later)).as("a late success is recorded, not refused: it is the lead's outcome")
        .isEmpty();
    assertThat(j.deliveries(stale.lead().id())).singleElement().satisfies(r -> {
      assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(r.result().flatMap(DeliveryResult::recordId)).contains("rec-late");
    });
    // the second call is refused by the destination (a create-only mode, a duplicate rule): refused by the journal
    Settlement failed = Settlement.dead(current, new Diagnosis("CRM_DUPLICATE", "exists", "none"), "x", later);
    assertThat(settleFenced(failed, later)).as("superseded by the late success").containsExactly(failed);
    assertThat(j.deliveries(stale.lead().id())).singleElement().satisfies(r -> {
      assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(r.diagnosis()).isEmpty();
    });
    assertThat(j.claimDue("crm", later.plus(LEASE), 1, LEASE)).as("never sent again").isEmpty();
  }

  @Test
  void settle_aLateSuccessOfAClaimWhoseLeaseEnded_afterTheNewClaimDeadLettered_makesTheLeadDelivered()
      throws Exception {
    j.accept(lead("a"), List.of("crm"), T0);
    j.accept(lead("b"), List.of("crm"), T0);
    List<ClaimedDelivery> stale = j.claimDue("crm", T0, 2, LEASE);
    assertThat(j.reclaimExpiredLeases(T0.plus(LEASE))).isEqualTo(2);
    List<ClaimedDelivery> current = j.claimDue("crm", T0.plus(LEASE), 2, LEASE);
    Instant later = T0.plus(LEASE).plusSeconds(1);
    j.settle(List.of(Settlement.dead(current.get(0), new Diagnosis("CRM_DUPLICATE", "exists", "none"), "x", later),
        Settlement.retry(current.get(1), later.plusSeconds(60), "503", Optional.empty())), later);

    Instant latest = later.plusSeconds(1);
    Settlement lateA = Settlement.delivered(stale.get(0), DeliveryResult.created("rec-a"), latest);
    Settlement lateB = Settlement.delivered(stale.get(1), DeliveryResult.handedOff(), latest);
    assertThat(settleFenced(lateA, latest)).as("the dead-lettered lead arrived").isEmpty();
    assertThat(settleFenced(lateB, latest)).as("the lead waiting for a retry arrived").isEmpty();
    assertThat(j.deliveries(stale.get(0).lead().id())).singleElement().satisfies(r -> {
      assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(r.result().flatMap(DeliveryResult::recordId)).contains("rec-a");
      assertThat(r.diagnosis()).as("no fix asked for a delivered lead").isEmpty();
    });
    assertThat(j.deliveries(stale.get(1).lead().id())).singleElement()
        .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.HANDED_OFF));
    assertThat(j.list(DeliveryQuery.deadLetters())).isEmpty();
    assertThat(j.claimDue("crm", latest.plus(LEASE), 2, LEASE)).as("the retry is not sent").isEmpty();

    // told once: the same late answer again, or a later claim's success, changes nothing and is refused
    assertThat(settleFenced(lateA, latest)).containsExactly(lateA);
  }

  /** Writes one settlement with settleFencedAsync and returns what the journal refused. */
  private List<Settlement> settleFenced(Settlement s, Instant now) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(saysWhatItRefuses(j),
        "the journal keeps LeadJournal's default settleFencedAsync, which says no refusal");
    return j.settleFencedAsync(List.of(s), now).get(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Whether {@code journal}'s class (or one it extends) implements settleFencedAsync itself. */
  private static boolean saysWhatItRefuses(LeadJournal journal) {
    try {
      return journal.getClass().getMethod("settleFencedAsync", List.class, Instant.class).getDeclaringClass()
          != LeadJournal.class;
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void settle_ofADeliveryErasedInFlight_neverSettlesALaterLeadsDelivery() {
    j.accept(lead("older"), List.of("crm"), T0);
    ClaimedDelivery erased = j.accept(lead("newest"), List.of("crm"), T0, java.util.Optional.empty(),
        java.util.Set.of("crm"), LEASE).claimed().get(0);
    j.erase(io.leadrouter.Person.byLeadId(LeadId.of("newest")), T0);
    ClaimedDelivery next = j.accept(lead("next"), List.of("crm"), T0, java.util.Optional.empty(),
        java.util.Set.of("crm"), LEASE).claimed().get(0);
    assertThat(next.deliveryId()).as("a delivery number is never given twice").isNotEqualTo(erased.deliveryId());

    // the erased lead's call returns after the erasure: its settlement finds no row, and the next lead, never sent
    // yet, stays in flight (were it marked delivered, it would be lost)
    j.settle(List.of(Settlement.delivered(erased, DeliveryResult.created("rec-erased"), T0)), T0);
    assertThat(j.deliveries(next.lead().id())).singleElement()
        .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.IN_FLIGHT));
  }

  @Test
  void payload_roundTripsEveryPart() {
    List<Lead> leads = List.of(lead("a"), Lead.builder().id("b").createdTime(T0).source("  weird | offer ")
        .description("line1\nline2").firstName("Zoë").build());
    for (Lead l : leads) {
      j.accept(l, List.of("crm"), T0);
      assertThat(j.lead(l.id())).contains(l);
    }
  }

  /**
   * Before: the quarantine could be read only newest first, so a replay past its limit never reached older payloads.
   * Pages after the last id read every payload once, oldest first, also when one is released between pages.
   */
  @Test
  void quarantinedAfter_pagesThroughTheWholeQuarantineOldestFirst_onceEach_whilePayloadsAreReleased() {
    List<Long> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 7; i++) {
      // received in the reverse order of their ids: pages follow the id, not the time of receipt
      ids.add(j.quarantine(("{\"n\":" + i + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8), "test " + i,
          new Diagnosis("PAYLOAD_BROKEN_JSON", "broken " + i, "fix"), T0.minusSeconds(i)));
    }

    List<Long> read = new java.util.ArrayList<>();
    long after = Long.MIN_VALUE;
    for (int pages = 0; pages < 10; pages++) {
      List<io.leadrouter.journal.QuarantinedPayload> page = j.quarantinedAfter(after, 3);
      if (page.isEmpty()) {
        break;
      }
      assertThat(page).hasSizeLessThanOrEqualTo(3);
      page.forEach(q -> read.add(q.id()));
      after = page.get(page.size() - 1).id();
      if (pages == 0) {
        j.releaseQuarantined(ids.get(4)); // one the next page would hold goes meanwhile
      }
    }

    List<Long> expected = new java.util.ArrayList<>(ids);
    expected.remove(ids.get(4));
    assertThat(read).containsExactlyElementsOf(expected);
    assertThat(j.quarantinedAfter(ids.get(6), 3)).isEmpty();
    assertThat(j.quarantinedAfter(ids.get(0), 1)).singleElement().satisfies(q -> {
      assertThat(q.id()).isEqualTo(ids.get(1));
      assertThat(q.origin()).isEqualTo("test 1");
      assertThat(q.diagnosis().message()).isEqualTo("broken 1");
      assertThat(new String(q.payload(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}");
    });
  }

  // ---- erasure, payload retention and fallback spill (#22) ----

  private static Lead leadOf(String id, String email, String phone) {
    return lead(id).toBuilder().email(email).phone(phone).build();
  }

  @Test
  void erase_byEmail_removesEveryLeadDeliveryAndQuarantinedPayloadOfThePerson_andKeepsOthers() {
    j.accept(leadOf("jane-1", "jane@contoso.com", "+1 425 555 0100"), List.of("crm", "file"), T0);
    j.accept(leadOf("jane-2", "  JANE@Contoso.COM", ""), List.of("crm"), T0);
    j.accept(leadOf("bob-1", "bob@contoso.com", "+1 425 555 0199"), List.of("crm", "file"), T0);
    j.accept(leadOf("jo-1", "ajane@contoso.com", ""), List.of("crm"), T0); // holds jane's address inside its own
    for (ClaimedDelivery c : j.claimDue("crm", T0, 10, LEASE)) {
      j.settle(List.of(c.lead().id().value().equals("jane-2")
          ? Settlement.dead(c.deliveryId(), new Diagnosis("X", "refused", "fix"), "400", T0)
          : Settlement.delivered(c.deliveryId(), DeliveryResult.created("r"), T0)), T0);
    }
    j.quarantine("{\"Email\":\"Jane@contoso.com\",\"email\":\"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        "test", new Diagnosis("PAYLOAD_DUPLICATE_KEY", "twice", "fix"), T0);
    j.quarantine("{\"Email\":\"bob@contoso.com\",\"email\":\"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        "test", new Diagnosis("PAYLOAD_DUPLICATE_KEY", "twice", "fix"), T0);

    io.leadrouter.ErasureReceipt receipt = j.erase(io.leadrouter.Person.byEmail("Jane@CONTOSO.com"), T0.plusSeconds(5));

    assertThat(receipt.erasedLeads()).extracting(LeadId::value).containsExactlyInAnyOrder("jane-1", "jane-2");
    assertThat(receipt.rows()).containsEntry("leads", 2L).containsEntry("deliveries.delivered", 1L)
        .containsEntry("deliveries.dead", 1L).containsEntry("deliveries.pending", 1L).containsEntry("quarantine", 1L);
    assertThat(j.lead(LeadId.of("jane-1"))).isEmpty();
    assertThat(j.lead(LeadId.of("jane-2"))).isEmpty();
    assertThat(j.deliveries(LeadId.of("jane-1"))).isEmpty();
    assertThat(j.claimDue("file", T0.plusSeconds(6), 10, LEASE)).as("jane's pending delivery is cancelled")
        .extracting(c -> c.lead().id().value()).containsExactly("bob-1");
    assertThat(j.list(DeliveryQuery.deadLetters())).isEmpty();
    assertThat(j.lead(LeadId.of("bob-1"))).isPresent();
    assertThat(j.lead(LeadId.of("jo-1"))).as("a longer address is someone else").isPresent();
    assertThat(j.quarantineCount()).isEqualTo(1);
    assertThat(new String(j.quarantined(10).get(0).payload(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("bob@");
    j.completeErasure(receipt.id(), java.util.Map.of("sink.file", 1L), List.of("crm"));
    List<io.leadrouter.ErasureReceipt> kept = j.erasures(10);
    assertThat(kept).hasSize(1);
    assertThat(kept.get(0).subject()).isEqualTo("email");
    assertThat(kept.get(0).rows()).containsEntry("leads", 2L).containsEntry("sink.file", 1L);
    assertThat(kept.get(0).notErased()).containsExactly("crm");
    assertThat(kept.get(0).erasedLeads()).as("lead ids are not kept").isEmpty();
    assertThat(kept.get(0).toString()).doesNotContainIgnoringCase("jane");
  }

  @Test
  void erase_byPhoneAndByLeadId_matchDigitsAndIds() {
    j.accept(leadOf("p-1", "p@contoso.com", "+1 (425) 555-0100"), List.of("crm"), T0);
    j.accept(leadOf("p-2", "q@contoso.com", "1 425 555 0101"), List.of("crm"), T0);
    assertThat(j.erase(io.leadrouter.Person.byPhone("14255550100"), T0).erasedLeads())
        .extracting(LeadId::value).containsExactly("p-1");
    assertThat(j.erase(io.leadrouter.Person.byLeadId(LeadId.of("p-2")), T0).leads()).isEqualTo(1);
    assertThat(j.counts()).isEmpty();
    assertThat(j.erasures(10)).extracting(io.leadrouter.ErasureReceipt::subject).containsExactly("lead_id", "phone");
  }

  @Test
  void dropDeliveredPayloads_afterEachDestinationsRetention_keepsTheDeliveryRecords() {
    j.accept(lead("old"), List.of("crm", "file"), T0);
    j.accept(lead("pending"), List.of("crm"), T0);
    for (String d : List.of("crm", "file")) {
      for (ClaimedDelivery c : j.claimDue(d, T0, 10, LEASE)) {
        if (!c.lead().id().value().equals("pending")) {
          j.settle(List.of(Settlement.delivered(c.deliveryId(), DeliveryResult.created("r"), T0)), T0);
        }
      }
    }
    java.util.Map<String, Duration> retention = java.util.Map.of("crm", Duration.ofDays(1), "file",
        Duration.ofDays(3));
    assertThat(j.dropDeliveredPayloads(retention, T0.plus(Duration.ofDays(2)))).as("file's retention runs").isZero();
    assertThat(j.dropDeliveredPayloads(java.util.Map.of("crm", Duration.ofDays(1)), T0.plus(Duration.ofDays(4))))
        .as("file keeps payloads for good").isZero();
    assertThat(j.dropDeliveredPayloads(retention, T0.plus(Duration.ofDays(4)))).isEqualTo(1);
    assertThat(j.lead(LeadId.of("old"))).isEmpty();
    assertThat(j.deliveries(LeadId.of("old"))).hasSize(2)
        .allSatisfy(r -> assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED));
    assertThat(j.lead(LeadId.of("pending"))).as("not delivered: kept").isPresent();
  }

  @Test
  void spill_undeliveredPastTheAge_addsOneMarkedFallbackDelivery_once() {
    j.accept(lead("stuck"), List.of("crm"), T0);
    j.accept(lead("done"), List.of("crm"), T0);
    j.accept(lead("young"), List.of("crm"), T0.plus(Duration.ofHours(3)));
    for (ClaimedDelivery c : j.claimDue("crm", T0.plus(Duration.ofHours(3)), 10, LEASE)) {
      j.settle(List.of(c.lead().id().value().equals("done")
          ? Settlement.delivered(c.deliveryId(), DeliveryResult.created("r"), T0)
          : Settlement.retry(c.deliveryId(), T0.plus(Duration.ofHours(5)), "503", Optional.empty())), T0);
    }
    Instant now = T0.plus(Duration.ofHours(4));
    List<LeadJournal.Spill> spilled = j.spill("crm", "file", now.minus(Duration.ofHours(4)), now, 100);
    assertThat(spilled).extracting(s -> s.leadId().value()).containsExactly("stuck");
    assertThat(spilled.get(0).queued()).isTrue();
    assertThat(spilled.get(0).attempts()).isEqualTo(1);
    assertThat(j.spill("crm", "file", now.minus(Duration.ofHours(4)), now, 100))
        .as("spilled once; the young one is not old enough").isEmpty();
    List<ClaimedDelivery> fallback = j.claimDue("file", now, 10, LEASE);
    assertThat(fallback).hasSize(1);
    assertThat(fallback.get(0).lead().attributes()).containsEntry("fallbackFor", "crm");
    assertThat(j.deliveries(LeadId.of("stuck"))).extracting(DeliveryRecord::destination)
        .containsExactly("crm", "file");
    assertThat(j.spill("crm", "file", T0.plus(Duration.ofHours(3)), now, 100)).as("once old enough")
        .extracting(s -> s.leadId().value()).containsExactly("young");
    assertThat(j.claimDue("crm", T0.plus(Duration.ofHours(5)), 10, LEASE)).as("the main delivery keeps trying")
        .extracting(c -> c.lead().id().value()).containsExactlyInAnyOrder("stuck", "young");
  }
}
