package io.leadrouter.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadTracer;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.JournalDamagedException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.Settlement;
import io.leadrouter.journal.SharedRateLimiter;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.Scrubber;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one destination's due leads: its own concurrency limit, rate limiter and circuit breaker, so a slow or dead
 * destination never slows another. It owns no thread: its turns run on the router's shared {@link WorkerThreads} when
 * it has work (a hand-off, a wake, or its next look at the journal falling due), and never block on the destination;
 * its delivery calls run on the shared delivery threads, at most its concurrency limit at once (rate permits are
 * waited for there, so one slow or throttled destination holds at most that many). An idle destination costs no
 * thread. Fresh leads arrive in memory: the router
 * reserves room in the worker's bounded hand-off queue, the journal records the delivery already claimed (in
 * flight) in the lead's own transaction, and the router hands it over after the commit, so a fresh lead costs no
 * claim query. The journal is claimed from for retries, leads accepted while the queue was full, replays, expired
 * leases and leads left from a previous run. Retries wait in the journal, not in a sleeping thread. Outcomes are
 * settled through the journal's group commit without blocking the delivery threads, and published one way to
 * {@link DeliveryEvents} once written. Throttling steers an adaptive pace ({@link AdaptiveRate}); only outages
 * feed the breaker. One customer at a time ({@link SinkCapabilities.OrderingKey#CUSTOMER}): deliveries sharing a
 * business key are never in flight together and go in acceptance order; the journal keeps that rule for every
 * router sharing it ({@link LeadJournal#orderByCustomer}), and for a journal that cannot, this worker keeps it in
 * memory ({@link KeyGate}). Not API.
 */
public final class DestinationWorker {
  private static final Logger LOG = LoggerFactory.getLogger(DestinationWorker.class);
  private static final Duration MAX_IDLE = Duration.ofSeconds(2);
  /**
   * The longest an open breaker waits before it lets a probe through: a longer {@code breakerOpenFor} ("practically
   * never" overflowed the breaker at build) counts as a day, so a destination that recovers is found again.
   */
  static final Duration LONGEST_OPEN = Duration.ofDays(1);
  /** Steps per turn before the shared thread goes to another worker's turn (fairness). */
  private static final int MAX_STEPS = 8;

  private final String name;
  private final LeadSink sink;
  /** The sink's delivery calls, guarded against a plugin's exceptions, errors and malformed results. */
  private final SinkCalls sinkCalls;
  private final DeliveryPolicy policy;
  private final LeadJournal journal;
  private final Clock clock;
  private final Duration lease;
  private final DeliveryEvents events;
  private final Tracing tracing;
  private final int concurrency;
  private final int batchSize;
  private final Semaphore slots;
  private final WorkerThreads threads;
  /** The router's threads when this worker made its own (the constructor without them): closed with it. */
  private final boolean ownThreads;
  private final CircuitBreaker breaker;
  private final Optional<RateLimiter> limiter;
  private final Optional<SharedRateLimiter> sharedLimiter;
  private final AdaptiveRate pace;
  private final KeyGate gate = new KeyGate();
  /** The deliveries under way: their leases are renewed, an erasure waits for them. */
  private final java.util.Set<Call> calls = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** The journal failing under the loop (its database down): logged once in full, retried less and less often. */
  private final FailureStreak loopFailures;
  /** The destination throttling: said once when it starts, every 15 minutes while it lasts, once when it ends. */
  private final FailureStreak throttling;
  /** The journal failing to record outcomes: logged once in full, then reminded once a minute. */
  private final FailureStreak settleFailures;
  /** One customer at a time, kept by the journal's claims (true) or by {@link #gate} (false, see gated). */
  private final boolean journalOrders;
  /** One customer at a time, kept in memory: the journal cannot. */
  private final boolean gated;
  /** A claim left due deliveries behind because their customer had one open: look again when a settlement lands. */
  private volatile boolean customersWaiting;
  /** A turn is queued or running (turns of one worker never overlap). */
  private final AtomicBoolean queued = new AtomicBoolean();
  /** Batches claimed or handed over that wait for a free slot (touched by turns only). */
  private final ArrayDeque<Batch> waiting = new ArrayDeque<>();

  /**
   * Deliveries to send in one call, with when the oldest of them was claimed ({@link System#nanoTime}): their lease
   * runs from then, through every wait before the call (hand-off queue, free slot, rate permit; see {@link #deliver}).
   */
  private record Batch(List<ClaimedDelivery> deliveries, long claimedNanos) {}

  /**
   * A delivery under way, from its erasure check to its settlement (identity, not equality): its deliveries, when it
   * began and when their leases were last set (the claim or a renewal), all {@link System#nanoTime}. Its leases are
   * kept alive ({@link #renewLongCalls}) and an erasure waits for it ({@link #awaitSent}).
   */
  private static final class Call {
    final List<ClaimedDelivery> deliveries;
    final long startedNanos;
    volatile long leaseFromNanos;
    volatile boolean saidSlow;
    volatile boolean saidHung;

    Call(List<ClaimedDelivery> deliveries, long startedNanos, long leaseFromNanos) {
      this.deliveries = deliveries;
      this.startedNanos = startedNanos;
      this.leaseFromNanos = leaseFromNanos;
    }
  }

  /** How many leases a call's claims are kept alive for, at most: a call hung longer is given up to a new claim. */
  static final int MAX_CALL_LEASES = 4;
  /** The timer that runs the next turn when nothing wakes the worker earlier. */
  private ScheduledFuture<?> alarm;
  private final AtomicBoolean finished = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  /** Outcomes waiting to be published in order (on the shared event threads, one drain at a time). */
  private final ArrayDeque<Runnable> toPublish = new ArrayDeque<>();
  private boolean publishing;
  private final ArrayBlockingQueue<HandOff> handOffs;
  private final Semaphore room;
  // the journal is shared with other routers: hand off only what a free slot takes at once (see reserve)
  private final boolean shared;
  /** One lead per call and no per-customer order: a fresh delivery may start on a free slot at once. */
  private final boolean direct;
  private final AtomicInteger unsettled = new AtomicInteger();
  private static final int MAX_CANCELLED = 100_000;
  /** The most leads one batch call carries, whatever the sink declares (no destination takes more in one call). */
  public static final int MAX_BATCH = 1000;
  /** The smallest hand-off queue, whatever the concurrency: a burst of fresh leads waits here, not in the journal. */
  static final int MIN_HAND_OFFS = 16;
  private final java.util.Set<io.leadrouter.LeadId> cancelled = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final java.util.List<io.leadrouter.Person> erasing = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean running = true;
  private volatile boolean signalled;
  /** The journal may hold due deliveries now (start, replay, expired leases, overflow). */
  private volatile boolean journalDue = true;
  /** When the journal is looked at next, at the latest (the earliest retry this worker scheduled). */
  private volatile Instant nextLook = Instant.MIN;
  /**
   * Until when this worker knows the destination is (or was last) parked: no lead is attempted before it, and time
   * waited for it does not count toward a lead's give-up age ({@link DeliveryDecision#decide}). Read from the journal
   * at {@link #start()}, so a park that ended while the router was down still counts.
   */
  private volatile Instant parkedUntil = Instant.MIN;
  /** The periods this destination throttled, not counted toward a lead's give-up age either. */
  private final ThrottleSpans throttles = new ThrottleSpans();
  /** The router clock's forward jumps, not counted toward a lead's give-up age. */
  private final ClockJumps jumps;
  /** Until when the destination is held (a long throttle hold, pace or rate wait; see {@link #holdBack}). */
  private volatile Instant heldUntil = Instant.MIN;
  /**
   * The longest wait for a rate permit or the throttling pace slept on a delivery thread: a quarter of the lease, at
   * most {@link #MAX_IDLE}. Longer waits go back to the journal ({@link #holdBack}).
   */
  private final Duration longestSleep;

  /** A fresh delivery handed over in memory, with when (lease safety: see {@link #takeHandOffs}). */
  private record HandOff(ClaimedDelivery delivery, long atNanos) {}

  /** Creates a worker with threads of its own (closed with it); {@link #start()} starts it. */
  public DestinationWorker(String name, LeadSink sink, DeliveryPolicy policy, LeadJournal journal, Clock clock,
      Duration lease, DeliveryEvents events, Tracing tracing) {
    this(name, sink, policy, journal, clock, lease, events, tracing, null);
  }

  /** Creates a worker whose turns and deliveries run on {@code threads} (shared by the router's workers). */
  public DestinationWorker(String name, LeadSink sink, DeliveryPolicy policy, LeadJournal journal, Clock clock,
      Duration lease, DeliveryEvents events, Tracing tracing, WorkerThreads threads) {
    this(name, sink, policy, journal, clock, lease, events, tracing, threads, ClockJumps.ignoring(clock));
  }

  /** Creates a worker counting give-up ages without the clock's forward {@code jumps} (see {@link ClockJumps}). */
  public DestinationWorker(String name, LeadSink sink, DeliveryPolicy policy, LeadJournal journal, Clock clock,
      Duration lease, DeliveryEvents events, Tracing tracing, WorkerThreads threads, ClockJumps jumps) {
    this.jumps = Objects.requireNonNull(jumps, "jumps");
    this.name = Objects.requireNonNull(name, "name");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.sinkCalls = new SinkCalls(name, sink);
    this.policy = Objects.requireNonNull(policy, "policy");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.lease = Objects.requireNonNull(lease, "lease");
    String journalFix = "Check that the journal's database is reachable and writable (SQLite: the file's disk space and"
        + " permissions; PostgreSQL: the server, the network and the user's grants)";
    this.loopFailures = new FailureStreak(LOG, "destination '" + name + "': reading due deliveries from the journal",
        journalFix, System::nanoTime);
    this.settleFailures = new FailureStreak(LOG, "destination '" + name + "': recording delivery results (the leads"
        + " stay in flight and are delivered again when their lease ends; a destination's upsert absorbs it)",
        journalFix, System::nanoTime);
    this.throttling = FailureStreak.throttle(LOG, "destination '" + name + "'", "If it lasts, lower this"
        + " destination's rateLimit or ask its owner for a higher limit (other integrations may share it)",
        System::nanoTime);
    Duration quarterLease = lease.dividedBy(4);
    this.longestSleep = quarterLease.compareTo(MAX_IDLE) < 0 ? quarterLease : MAX_IDLE;
    this.events = Objects.requireNonNull(events, "events");
    this.tracing = Objects.requireNonNull(tracing, "tracing");
    SinkCapabilities caps = SinkCalls.capabilities(name, sink);
    // a plugin may declare Integer.MAX_VALUE for "no limit": no more calls than delivery threads, no batch beyond
    // MAX_BATCH (the hand-off queue and a claim are sized from both)
    this.concurrency = Math.min(policy.inFlightFor(caps), WorkerThreads.MAX_DELIVERY_THREADS);
    this.batchSize = Math.min(policy.batchSizeFor(caps), MAX_BATCH);
    this.slots = new Semaphore(concurrency);
    this.ownThreads = threads == null;
    this.threads = threads != null ? threads : new WorkerThreads();
    this.threads.reserveDeliveries(concurrency);
    this.breaker = CircuitBreaker.of("leadrouter-" + name, CircuitBreakerConfig.custom()
        .failureRateThreshold(policy.breakerFailureRatePercent())
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(20)
        .minimumNumberOfCalls(10)
        .waitDurationInOpenState(policy.breakerOpenFor().compareTo(LONGEST_OPEN) > 0 ? LONGEST_OPEN
            : policy.breakerOpenFor())
        .permittedNumberOfCallsInHalfOpenState(1)
        .build());
    this.limiter = policy.rateLimitFor(caps).map(rl -> RateLimiter.of("leadrouter-" + name,
        RateLimiterConfig.custom().limitForPeriod(rl.permits()).limitRefreshPeriod(rl.period())
            .timeoutDuration(rl.period().plusSeconds(1)).build()));
    // a journal shared by several routers may keep the limit itself, so together they stay within it
    this.sharedLimiter = policy.rateLimitFor(caps).flatMap(rl -> journal.sharedRateLimiter(name, rl));
    // throttling steers the pace, within the configured or declared limit; only outages feed the breaker
    this.pace = new AdaptiveRate(policy.rateLimitFor(caps).map(rl -> rl.permits() * 1e9 / rl.period().toNanos()),
        System::nanoTime);
    boolean perCustomer = caps.orderingKey() == SinkCapabilities.OrderingKey.CUSTOMER;
    this.journalOrders = perCustomer && journal.orderByCustomer(name);
    this.gated = perCustomer && !journalOrders;
    // Two rounds for every slot, and at least MIN_HAND_OFFS: enough to keep the slots busy between two loop turns
    // and to absorb a burst of route() calls without the overflow path (each overflowing lead costs a claim query
    // and a decode: with one slot and two places, claiming and decoding overflowed leads was most of the worker's
    // samples in the shared harness's one-caller run), and short
    // enough that a delivery never waits in it for long (its lease runs meanwhile; see takeHandOffs).
    int capacity = Math.max(2 * concurrency * batchSize, MIN_HAND_OFFS);
    this.handOffs = new ArrayBlockingQueue<>(capacity);
    this.room = new Semaphore(capacity);
    this.shared = journal.sharedByRouters();
    this.direct = batchSize == 1 && !perCustomer;
  }

  /** Starts delivering: the first turn looks at the journal (leads left from a previous run). */
  public void start() {
    try {
      // the latest park, even one already over: the leads that waited for it get their whole give-up age after it
      journal.parkedUntil(name, Instant.EPOCH).ifPresent(until -> parkedUntil = until);
      Instant now = clock.instant();
      int early = journal.bringForward(name, DeliveryDecision.later(now, longestWait()), now);
      if (early > 0) {
        LOG.warn("destination '{}': {} retries were due later than any wait of its policy allows ({} from now): the"
            + " system clock was set back since they were scheduled; they are due now", name, early, longestWait());
      }
    } catch (RuntimeException e) {
      LOG.debug("destination '{}': the journal's park and due times could not be checked at start: {}", name,
          e.toString());
    }
    try {
      journal.counters(name).ifPresent(sink::useCounters);
      sink.prepareFor(concurrency);
    } catch (RuntimeException e) {
      LOG.warn("destination '{}': the sink failed to prepare for {} deliveries at once: {}", name, concurrency,
          e.toString());
    }
    schedule();
  }

  /**
   * The longest wait this worker ever sets for a pending delivery (plus a minute): the backoff's cap, the longest
   * {@code Retry-After} honoured, the rate limit's period. A pending delivery due later than now plus this was
   * scheduled by a clock that has since gone back.
   */
  Duration longestWait() {
    Duration longest = policy.maxBackoff().compareTo(policy.maxRetryAfter()) > 0 ? policy.maxBackoff()
        : policy.maxRetryAfter();
    Optional<Duration> period = policy.rateLimitFor(sink.capabilities()).map(SinkCapabilities.RateLimit::period);
    if (period.isPresent() && period.get().compareTo(longest) > 0) {
      longest = period.get();
    }
    Duration margin = Duration.ofMinutes(1);
    return longest.compareTo(DeliveryDecision.NEVER_WAIT.minus(margin)) > 0 ? DeliveryDecision.NEVER_WAIT
        : longest.plus(margin);
  }

  /**
   * Reserves room for one fresh delivery, before its lead is written; false when the queue is full, the destination
   * is parked or the worker stops (the delivery then waits in the journal). Follow with {@link #handOff} or
   * {@link #unreserve}.
   */
  public boolean reserve() {
    Instant now = clock.instant();
    if (!running || now.isBefore(parkedUntil) || now.isBefore(heldUntil)) {
      return false;
    }
    if (shared && handOffs.size() >= slots.availablePermits()) {
      return false; // another router may be free: the lead waits in the shared journal, announced to all
    }
    return room.tryAcquire();
  }

  /** Gives back a reservation the lead's write did not use. */
  public void unreserve() {
    room.release();
  }

  /** Hands over a delivery the journal recorded as claimed for this worker (room was reserved for it). */
  public void handOff(ClaimedDelivery delivery) {
    // a free slot and nothing handed over before it: straight to a delivery thread, without waking a turn first (one
    // thread hand-over less between route() returning and the request)
    if (direct && running && handOffs.isEmpty() && slots.tryAcquire()) {
      try {
        long claimedNanos = System.nanoTime();
        threads.deliveries().execute(() -> deliver(List.of(delivery), claimedNanos));
        room.release();
        return;
      } catch (RejectedExecutionException closing) {
        slots.release(); // closing: queued below, returned to the journal when the worker stops
      }
    }
    if (!handOffs.offer(new HandOff(delivery, System.nanoTime()))) {
      throw new IllegalStateException("hand-off without a reservation"); // cannot happen: room bounds the queue
    }
    nudge();
  }

  /** Tells the worker the journal may hold due deliveries (accepted without a hand-off, replayed, reclaimed). */
  public void wake() {
    journalDue = true;
    nudge();
  }

  private void nudge() {
    signalled = true;
    schedule();
  }

  /** Queues a turn unless one is queued or running (that one sees {@code signalled} and goes on). */
  private void schedule() {
    if (queued.compareAndSet(false, true)) {
      try {
        threads.turns().execute(this::turn);
      } catch (RejectedExecutionException closing) {
        queued.set(false);
        if (!running) {
          finish();
        }
      }
    }
  }

  /** Runs the next turn after {@code d} unless something wakes the worker earlier. */
  private synchronized void arm(Duration d) {
    if (alarm != null) {
      alarm.cancel(false);
    }
    alarm = null;
    if (d.isNegative() || d.isZero()) {
      schedule();
      return;
    }
    try {
      alarm = threads.timer().schedule(this::schedule, d.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // the router is closing: nothing more to look at
    }
  }

  /**
   * A person is being erased: from now on, claimed deliveries of their leads are dropped before the sink is called
   * (their journal rows are being deleted), until {@link #erased}.
   */
  public void erasing(io.leadrouter.Person person) {
    erasing.add(person);
  }

  /**
   * The person's erasure is done: their leads, by id, stay cancelled for this worker's life (a delivery claimed before
   * the erasure and still waiting here is dropped, never sent); the person is forgotten.
   */
  public void erased(io.leadrouter.Person person, java.util.Collection<io.leadrouter.LeadId> leads) {
    if (cancelled.size() + leads.size() > MAX_CANCELLED) {
      cancelled.clear(); // bounded: claims made before an erasure long past are settled by now
    }
    cancelled.addAll(leads);
    erasing.remove(person);
  }

  private boolean erased(Lead lead) {
    if (!cancelled.isEmpty() && cancelled.contains(lead.id())) {
      return true;
    }
    for (io.leadrouter.Person p : erasing) {
      if (p.matches(lead)) {
        return true;
      }
    }
    return false;
  }

  /** The circuit breaker's state, for operators. */
  public String breakerState() {
    return breaker.getState().name();
  }

  /** The pace throttling has set, in calls per second; infinite while the destination has not throttled. */
  public double pacePerSecond() {
    return pace.perSecond();
  }

  /**
   * One turn: up to a few steps (dispatching what waits for a slot, the hand-offs, what the journal has due), then
   * either another turn at once (more to do, or woken meanwhile) or the next look armed on the timer. Never blocks on
   * the destination, so a few shared threads serve every worker.
   */
  private void turn() {
    Duration wait = null;
    try {
      for (int step = 0; step < MAX_STEPS && running; step++) {
        // reset before looking, so a wake() after the look is not lost, and one before it does not spin the worker
        signalled = false;
        wait = step();
        if (wait != null) {
          break;
        }
      }
    } finally {
      queued.set(false);
    }
    if (!running) {
      finish();
    } else if (wait == null || signalled) {
      schedule();
    } else {
      // at least every quarter of the lease (or MAX_IDLE): calls in progress have their leases renewed, and what
      // the gate holds is given back, before a lease can end (renewLongCalls, giveBackStaleHeld)
      arm(wait.compareTo(longestSleep) > 0 ? longestSleep : wait);
    }
  }

  /** One step; null when there may be more to do now, else how long nothing is due. */
  private Duration step() {
    try {
      return stepOnce();
    } catch (JournalDamagedException e) {
      // the journal said once what happened and how to recover; it stays damaged, so only wait for close
      return MAX_IDLE;
    } catch (RuntimeException e) {
      return running ? loopFailures.failed(e) : null;
    }
  }

  private Duration stepOnce() {
    if (!calls.isEmpty()) {
      renewLongCalls();
    }
    if (!waiting.isEmpty()) {
      dispatchWaiting();
      if (!waiting.isEmpty()) {
        return MAX_IDLE; // every slot is busy: a finishing delivery wakes the worker
      }
    }
    if (slots.availablePermits() == 0) {
      return MAX_IDLE;
    }
    Instant now = clock.instant();
    if (gated) {
      giveBackStaleHeld();
      if (gate.hasReady()) {
        dispatch(List.of(), System.nanoTime()); // a customer's next delivery, released by the one before it
        return null;
      }
    }
    Batch fresh = takeHandOffs(now);
    if (!fresh.deliveries().isEmpty()) {
      dispatch(fresh.deliveries(), fresh.claimedNanos());
      return null;
    }
    Instant held = heldUntil;
    if (now.isBefore(held)) {
      journalDue = true; // what was put back (or arrived meanwhile) is looked for when the hold ends
      Duration left = Duration.between(now, held);
      return left.compareTo(MAX_IDLE) > 0 ? MAX_IDLE : left;
    }
    if (journalDue || !now.isBefore(nextLook)) {
      return claimFromJournal(now);
    }
    return Duration.between(now, nextLook);
  }

  /**
   * Gives the journal back what the key gate has held for longer than half its lease (behind a customer's slow
   * deliveries): held on, its lease could end in the gate and a second claim deliver it again. Claimed again, it
   * waits in the gate again, with a new lease.
   */
  private void giveBackStaleHeld() {
    List<ClaimedDelivery> stale = gate.expire(System.nanoTime() - lease.toNanos() / 2);
    if (!stale.isEmpty()) {
      putBack(stale);
      journalDue = true;
    }
  }

  /**
   * Extends the leases of calls that have run for a quarter of their lease since it was last set: a destination
   * slower than the lease (a short lease, or a sink without a call timeout) would otherwise have its leads claimed
   * again mid-call and delivered twice (a 2.5 s call under a 1 s lease was sent 7 times). A call hung for
   * {@value #MAX_CALL_LEASES} leases is no longer covered: its leads are claimed again when the lease ends, so a
   * sink that never returns cannot hold them forever. Both are logged once per call.
   */
  private void renewLongCalls() {
    long now = System.nanoTime();
    long renewBefore = now - lease.toNanos() / 4;
    List<Call> due = new ArrayList<>();
    for (Call c : calls) {
      if (c.leaseFromNanos - renewBefore >= 0) {
        continue;
      }
      if (now - c.startedNanos >= MAX_CALL_LEASES * lease.toNanos()) {
        if (!c.saidHung) {
          c.saidHung = true;
          LOG.warn("destination '{}': a call has run for {} s, {} times the {} s lease: its {} lead(s) are no longer"
              + " kept claimed and will be delivered again when the lease ends. Give the sink a call timeout shorter"
              + " than the lease", name, TimeUnit.NANOSECONDS.toSeconds(now - c.startedNanos), MAX_CALL_LEASES,
              lease.toSeconds(), c.deliveries.size());
        }
        continue;
      }
      due.add(c);
    }
    if (due.isEmpty()) {
      return;
    }
    List<ClaimedDelivery> renew = new ArrayList<>();
    due.forEach(c -> renew.addAll(c.deliveries));
    journal.renewLeases(renew, clock.instant(), lease);
    for (Call c : due) {
      c.leaseFromNanos = now; // no later than the journal's now: the lease is counted from no earlier than it began
      if (!c.saidSlow && now - c.startedNanos > lease.toNanos()) {
        c.saidSlow = true;
        LOG.warn("destination '{}': a call has run for longer than the {} s lease; its lead(s) stay claimed while it"
            + " runs (for up to {} leases). Check the destination's latency and the sink's call timeout", name,
            lease.toSeconds(), MAX_CALL_LEASES);
      }
    }
  }

  /** The worker stops (once): what waits in memory goes back to the journal. */
  private void finish() {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    try {
      synchronized (this) {
        if (alarm != null) {
          alarm.cancel(false);
        }
      }
      returnHandOffs();
      returnWaiting();
      putBackHeld();
    } finally {
      stopped.countDown();
    }
  }

  /** Returns what waits in the key gate to the journal (closing): due again at once, for the next start. */
  private void putBackHeld() {
    List<ClaimedDelivery> held = gate.drain();
    if (!held.isEmpty()) {
      try {
        putBack(held);
      } catch (RuntimeException e) {
        LOG.warn("destination '{}': {} held deliveries stay claimed until their lease ends", name, held.size(),
            Scrubber.standard().scrub(e));
      }
    }
  }

  /**
   * Up to one batch of handed-over deliveries. One that waited longer than half its lease goes back to the journal
   * instead (its lease could end while it is delivered, and a second claim deliver it again); so do all while the
   * destination is parked.
   */
  private Batch takeHandOffs(Instant now) {
    List<ClaimedDelivery> batch = new ArrayList<>(batchSize);
    List<ClaimedDelivery> back = new ArrayList<>();
    boolean parked = now.isBefore(parkedUntil) || now.isBefore(heldUntil);
    long taken = System.nanoTime();
    long stale = taken - lease.toNanos() / 2;
    long oldest = taken;
    for (HandOff h; batch.size() < batchSize && (h = handOffs.poll()) != null; ) {
      room.release();
      if (parked || h.atNanos() - stale < 0) {
        back.add(h.delivery());
      } else {
        batch.add(h.delivery());
        oldest = h.atNanos() - oldest < 0 ? h.atNanos() : oldest;
      }
    }
    if (!back.isEmpty()) {
      putBack(back);
      journalDue = true;
    }
    return new Batch(batch, oldest);
  }

  /**
   * Claims what is due from the journal (retries, overflow, replays, leftovers) and dispatches it; returns how long to
   * wait before the next look, or null to go on at once.
   */
  private Duration claimFromJournal(Instant now) {
    journalDue = false;
    Optional<Instant> parked = journal.parkedUntil(name, now);
    if (parked.isPresent()) {
      parkedUntil = parked.get();
      nextLook = parked.get();
      Duration left = Duration.between(now, parked.get());
      return left.compareTo(MAX_IDLE) > 0 ? MAX_IDLE : left; // re-checked at least every MAX_IDLE
    }
    // While the breaker is open, one batch per pause goes through: the breaker refuses it (the leads wait again,
    // or are dead-lettered past their give-up age) until its open time ends and it lets a probe call through.
    boolean open = breaker.getState() == CircuitBreaker.State.OPEN;
    // A full round for every slot, not one lead per freed slot: claiming is the journal's dearest query. Leads
    // beyond the free slots wait here, in flight, for the next slot (at most one delivery call).
    int max = open ? batchSize : concurrency * batchSize;
    long claimedNanos = System.nanoTime(); // no later than the lease's start
    List<ClaimedDelivery> claimed = journal.claimDue(name, now, max, lease);
    loopFailures.succeeded();
    if (claimed.size() == max) {
      journalDue = true; // there may be more
    } else {
      // everything due is claimed; what this worker schedules itself lowers nextLook (see record), anything else
      // (another router sharing the journal) is found within MAX_IDLE
      Instant next = claimed.isEmpty() || journalOrders ? journal.nextDue(name).orElse(Instant.MAX) : Instant.MAX;
      if (journalOrders) {
        // still due after a claim that took all it could: held back behind their customer's open delivery, so due
        // again when a settlement lands (see record), not now
        customersWaiting = !next.isAfter(now);
        if (customersWaiting) {
          next = Instant.MAX;
        }
      }
      Instant latest = clock.instant().plus(MAX_IDLE);
      lowerNextLook(next.isAfter(latest) ? latest : next, true);
    }
    dispatch(claimed, claimedNanos);
    if (open) {
      return policy.breakerOpenFor().compareTo(MAX_IDLE) < 0 ? policy.breakerOpenFor() : MAX_IDLE;
    }
    return null;
  }

  /**
   * Runs the deliveries in batches, each as soon as a slot is free (the rate permit is waited for on the delivery
   * thread). Batches beyond the free slots wait here, in flight, for the next slot: at most one delivery call, as
   * claims never exceed one round for every slot.
   */
  private void dispatch(List<ClaimedDelivery> fetched, long claimedNanos) {
    // a journal that cannot keep one customer at a time: a delivery whose customer has one in flight waits in the
    // gate (still leased), and goes when that one finishes
    List<ClaimedDelivery> claimed = fetched;
    long oldest = claimedNanos;
    if (gated) {
      KeyGate.Admitted admitted = gate.admit(fetched, claimedNanos);
      claimed = admitted.go();
      oldest = admitted.claimedNanos(); // a delivery the gate held keeps its claim time (the half-lease guard)
    }
    for (int i = 0; i < claimed.size(); i += batchSize) {
      waiting.add(new Batch(List.copyOf(claimed.subList(i, Math.min(claimed.size(), i + batchSize))), oldest));
    }
    dispatchWaiting();
  }

  /** Hands waiting batches to the delivery threads while slots are free. */
  private void dispatchWaiting() {
    while (!waiting.isEmpty()) {
      if (!running) {
        returnWaiting();
        return;
      }
      if (!slots.tryAcquire()) {
        return;
      }
      Batch batch = waiting.poll();
      try {
        threads.deliveries().execute(() -> deliver(batch.deliveries(), batch.claimedNanos()));
      } catch (RejectedExecutionException closing) {
        slots.release();
        waiting.addFirst(batch);
        return;
      }
    }
  }

  /** Puts back the batches that wait for a slot (the worker stops). */
  private void returnWaiting() {
    List<ClaimedDelivery> left = new ArrayList<>();
    for (Batch b; (b = waiting.poll()) != null; ) {
      left.addAll(b.deliveries());
    }
    if (!left.isEmpty()) {
      try {
        putBack(left);
      } catch (RuntimeException e) {
        LOG.warn("destination '{}': {} claimed leads stay in flight until their lease ends: {}", name, left.size(),
            e.toString());
      }
    }
  }

  private synchronized void lowerNextLook(Instant at, boolean replace) {
    if (replace || at.isBefore(nextLook)) {
      nextLook = at;
    }
  }

  /** Puts back whatever is still in the hand-off queue (the worker stops). */
  private void returnHandOffs() {
    List<ClaimedDelivery> left = new ArrayList<>();
    for (HandOff h; (h = handOffs.poll()) != null; ) {
      room.release();
      left.add(h.delivery());
    }
    if (!left.isEmpty()) {
      try {
        putBack(left);
      } catch (RuntimeException e) {
        LOG.warn("destination '{}': {} handed-over leads stay in flight until the next start: {}", name,
            left.size(), e.toString());
      }
    }
  }

  /** Returns claimed leads to the journal undelivered (the router is closing): they are due again at once. */
  private void putBack(List<ClaimedDelivery> batch) {
    Instant now = clock.instant();
    journal.settle(batch.stream().map(c -> Settlement.released(c, now)).toList(), now);
  }

  /**
   * Waits for the call's rate permits: the configured limit (shared by the routers of a shared journal, or this
   * router's own) and the throttling pace. Empty when the call may go now; otherwise how long the destination is held:
   * a wait longer than {@link #longestSleep} is not slept on the delivery thread (it would hold the claims past their
   * lease, a reclaim delivering them twice, and hold close() for the whole wait): the caller puts the batch back.
   */
  private Optional<Duration> acquirePermit() throws InterruptedException {
    if (sharedLimiter.isPresent()) {
      sharedLimiter.get().acquire();
    } else if (limiter.isPresent() && !limiter.get().acquirePermission()) {
      // no permit within the limiter's timeout (more calls waiting than one period holds): the call must not go
      // without one (it used to: the limit was exceeded), nor wait on this thread for several periods
      return Optional.of(limiter.get().getRateLimiterConfig().getLimitRefreshPeriod());
    }
    Duration wait = pace.reserveWithin(longestSleep);
    if (wait.compareTo(longestSleep) > 0) {
      return Optional.of(wait);
    }
    if (!wait.isZero()) {
      Thread.sleep(wait.toMillis(), wait.toNanosPart() % 1_000_000);
    }
    return Optional.empty();
  }

  /**
   * The destination is held (throttled with a long {@code Retry-After}, paced, or out of rate permits) for
   * {@code wait}: the batch goes back to the journal, due when the hold ends, without counting an attempt; the worker
   * hands out nothing more until then (fresh leads wait in the journal, see {@link #reserve}).
   */
  private void holdBack(List<ClaimedDelivery> batch, Duration wait) {
    Instant now = clock.instant();
    Instant until = now.plus(wait);
    synchronized (this) {
      if (until.isAfter(heldUntil)) {
        heldUntil = until;
      }
    }
    List<DeliveryDecision.Decision> decisions = new ArrayList<>(batch.size());
    for (ClaimedDelivery c : batch) {
      decisions.add(new DeliveryDecision.Decision(Settlement.released(c, until), Optional.empty()));
    }
    record(decisions, now);
  }

  /**
   * Waits until no delivery of {@code person}'s leads that passed the erasure check is still being sent, up to
   * {@code deadlineNanos}; returns whether none is. Called after {@link #erasing}: a delivery registered after that
   * sees the person and is dropped, one registered before is waited for, so a sink's copy is erased only once nothing
   * more of the person can arrive in it.
   */
  public boolean awaitSent(io.leadrouter.Person person, long deadlineNanos) {
    while (calls.stream().anyMatch(s -> s.deliveries.stream().anyMatch(c -> person.matches(c.lead())))) {
      if (System.nanoTime() - deadlineNanos >= 0) {
        return false;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    return true;
  }

  /**
   * The calls still running, for the close's log: which plugin has not returned, and with which leads (they stay in
   * flight in the journal; an operator looking for them, or for the plugin that hangs, had only the destination).
   */
  private String stillRunning() {
    List<String> ids = new ArrayList<>();
    int count = 0;
    for (Call c : calls) {
      for (ClaimedDelivery d : c.deliveries) {
        if (count++ < 10) {
          ids.add(d.lead().id().value());
        }
      }
    }
    return "lead(s) " + ids + (count > ids.size() ? " and " + (count - ids.size()) + " more" : "") + " in a call to "
        + sink.getClass().getName() + " that has not returned (give the sink a call timeout; its calls must end"
        + " when interrupted)";
  }

  /** The destination's name. */
  public String name() {
    return name;
  }

  private void deliver(List<ClaimedDelivery> claimed, long claimedNanos) {
    // registered before the erasure check below, removed once settled: see awaitSent; the worker's turns (at least
    // every quarter lease) renew its leases while it runs: see renewLongCalls
    Call registered = new Call(claimed, System.nanoTime(), claimedNanos);
    calls.add(registered);
    try {
      List<ClaimedDelivery> batch = claimed;
      if (!erasing.isEmpty() || !cancelled.isEmpty()) {
        // an erased person's deliveries are dropped unsent; their rows are gone from the journal, nothing to settle
        batch = claimed.stream().filter(c -> !erased(c.lead())).toList();
        if (batch.isEmpty()) {
          return;
        }
      }
      Optional<Duration> held;
      try {
        held = acquirePermit();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // closing: the leads stay in flight and are retried at the next start
        return;
      }
      if (held.isPresent()) {
        holdBack(batch, held.get());
        return;
      }
      if (System.nanoTime() - claimedNanos > lease.toNanos() / 2) {
        // half the lease went by since the claim (the hand-off queue, a free slot, and a permit: a shared limit that
        // many routers wait for blocks until it gives one), so these claims may lapse during the call, and another
        // claim deliver the same leads again: put them back, due now, and let a fresh claim use a later permit (this
        // one goes unused: under the limit, never over it)
        holdBack(batch, Duration.ZERO);
        return;
      }
      if (journal.sharedByRouters()) {
        // another router (or leadrouter erase) may have erased a person's lead since the claim, and this router's
        // workers are told only of its own erasures: only what is still this claim's is sent, its lease renewed
        batch = journal.stillClaimed(batch, clock.instant(), lease);
        if (batch.isEmpty()) {
          return;
        }
      }
      if (!breaker.tryAcquirePermission()) {
        releaseOrGiveUp(batch);
        return;
      }
      List<LeadTracer.AttemptTrace> traces = tracing.startAttempts(
          batch.stream().map(c -> c.lead().id()).toList(), name,
          batch.stream().map(c -> c.attempts() + 1).toList(),
          batch.stream().map(ClaimedDelivery::traceContext).toList());
      long start = System.nanoTime();
      List<BatchItemResult> results;
      // one call for the batch: it carries the first lead's context (each lead's attempt has its own span)
      try (LeadTracer.Scope current = traces.get(0).makeCurrent()) {
        results = call(batch);
      }
      long took = System.nanoTime() - start;
      Tracing.end(traces, results);
      feedBreakerAndPace(results, start, took);
      settle(batch, results);
    } catch (JournalDamagedException e) {
      // said once by the journal; these deliveries stay in flight in the damaged file (recovered with it)
      LOG.debug("destination '{}': results not recorded, the journal is damaged", name);
    } catch (RuntimeException e) {
      // the journal failed: the deliveries stay in flight and are retried when their lease ends or at next open
      settleFailures.failed(e);
    } finally {
      calls.remove(registered);
      if (gated) {
        gate.finished(claimed); // the next delivery of each of these customers may go now
      }
      slots.release();
      nudge();
    }
  }

  /**
   * Throttling is not failure: an outage (a transient failure the sink did not mark throttled: no connection, 5xx,
   * timeout) counts toward the breaker; a throttle slows the pace (honouring the longest {@code Retry-After}) and
   * leaves the breaker as it was; a deferral (one lead waiting for its own earlier write, nothing sent) says nothing;
   * anything else (delivered, refused for content, quota) means the destination is up.
   */
  private void feedBreakerAndPace(List<BatchItemResult> results, long start, long took) {
    boolean outage = false;
    boolean throttled = false;
    Duration wait = null;
    TransientDeliveryException throttle = null;
    boolean answered = false;
    for (BatchItemResult r : results) {
      if (r.failure().orElse(null) instanceof TransientDeliveryException t && t.isDeferred()) {
        continue; // one lead's own wait (nothing was sent for it): says nothing of the destination
      }
      answered = true;
      if (r.failure().orElse(null) instanceof TransientDeliveryException t) {
        if (t.isThrottled()) {
          throttled = true;
          throttle = t;
          // a zero Retry-After (or a past HTTP-date) names no wait: the pace is found instead (see Backoff)
          Duration asked = t.retryAfter().filter(d -> !d.isZero()).map(d -> d.compareTo(policy.maxRetryAfter()) > 0
              ? policy.maxRetryAfter() : d).orElse(null);
          wait = asked != null && (wait == null || asked.compareTo(wait) > 0) ? asked : wait;
        } else {
          outage = true;
        }
      }
    }
    if (!answered) {
      breaker.releasePermission(); // only deferred leads: neither an outage nor a success (it may have been down)
      return;
    }
    if (outage) {
      breaker.onError(took, TimeUnit.NANOSECONDS, new TransientDeliveryException("transient failure"));
    } else if (throttled) {
      breaker.releasePermission(); // neither success nor failure: the destination is up and asks for less
    } else {
      breaker.onSuccess(took, TimeUnit.NANOSECONDS);
    }
    if (throttled) {
      throttling.failed(throttle, start); // a late answer to a call sent before the throttling ended starts none
      throttles.throttled(jumps.now(), System.nanoTime());
    } else {
      if (!outage) {
        throttling.succeeded();
      }
      if (throttles.isOpen()) {
        throttles.answered(jumps.now(), start); // an outage ends the throttled time too: the lead's age runs again
      }
    }
    if (throttled) {
      if (wait != null) {
        pace.onHold(wait);   // the server named its wait: honour it, keep the pace
      } else {
        pace.onThrottle(Optional.empty());   // no guidance: find the pace it accepts
      }
    } else if (!outage) {
      pace.onSuccess();
    }
  }

  /**
   * The breaker refused the call: the leads wait again, except those past their give-up age, which are dead-lettered
   * now (a destination that stays broken must not hold leads beyond the give-up age unseen).
   */
  private void releaseOrGiveUp(List<ClaimedDelivery> batch) {
    Instant now = jumps.now();
    List<DeliveryDecision.Decision> decisions = new ArrayList<>(batch.size());
    for (ClaimedDelivery c : batch) {
      decisions.add(DeliveryDecision.decide(c, new DeliveryDecision.Outcome.BreakerOpen(), policy, now,
          parkedUntil, jumps, Duration.ZERO, throttles));
    }
    record(decisions, now);
  }

  /** The sink's results, one per lead in the batch's order, whatever the plugin did (see {@link SinkCalls}). */
  private List<BatchItemResult> call(List<ClaimedDelivery> batch) {
    return sinkCalls.deliver(batch.stream().map(ClaimedDelivery::lead).toList());
  }

  private void settle(List<ClaimedDelivery> batch, List<BatchItemResult> results) {
    Instant now = jumps.now();
    List<DeliveryDecision.Decision> decisions = new ArrayList<>(batch.size());
    QuotaExceededException quota = null;
    Duration throttledFor = throttling.age(); // fed with these results already (feedBreakerAndPace)
    for (int i = 0; i < batch.size(); i++) {
      BatchItemResult r = results.get(i);
      DeliveryDecision.Outcome outcome = r.result().isPresent()
          ? new DeliveryDecision.Outcome.Delivered(r.result().get())
          : new DeliveryDecision.Outcome.Failed(r.failure().orElseThrow());
      if (r.failure().orElse(null) instanceof QuotaExceededException q) {
        quota = q;
      }
      decisions.add(DeliveryDecision.decide(batch.get(i), outcome, policy, now, parkedUntil, jumps, throttledFor,
          throttles));
    }
    if (quota != null) {
      Instant until = DeliveryDecision.parkedUntil(quota, policy, now);
      parkedUntil = until;
      journal.park(name, until, quota.getMessage());
      LOG.warn("destination '{}' parked until {}: {}", name, until, quota.getMessage());
    }
    record(decisions, now);
  }

  /**
   * Queues the decisions' settlements for the journal's group commit and returns; their events are published, in
   * order, once the settlements are written (so a receipt never completes ahead of its journal record). A failed
   * write leaves the deliveries in flight: they are retried when their lease ends, or at the next start.
   */
  private void record(List<DeliveryDecision.Decision> decided, Instant now) {
    List<Settlement> settlements = new ArrayList<>(decided.size());
    for (DeliveryDecision.Decision d : decided) {
      Settlement s = d.settlement();
      settlements.add(s);
      if (s.state() == io.leadrouter.journal.DeliveryState.PENDING
          || s.state() == io.leadrouter.journal.DeliveryState.PARKED) {
        lowerNextLook(s.dueAt(), false);
      }
    }
    unsettled.incrementAndGet();
    journal.settleFencedAsync(settlements, now).whenComplete((refused, e) -> {
      if (e != null) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
            ? e.getCause() : e;
        if (cause instanceof JournalDamagedException) {
          // said once by the journal; these deliveries stay in flight in the damaged file (recovered with it)
          LOG.debug("destination '{}': results not recorded, the journal is damaged", name);
        } else {
          settleFailures.failed(cause);
        }
        settledOne();
        return;
      }
      settleFailures.succeeded();
      if (customersWaiting) {
        // a customer's delivery may have ended: its next one is due now
        journalDue = true;
        nudge();
      }
      List<DeliveryDecision.Decision> decisions = refused.isEmpty() ? decided : standing(decided, refused);
      int told = (int) decisions.stream().filter(d -> d.event().isPresent()).count();
      if (told > 0 && !threads.reserveListenerRoom(told)) {
        // the listeners are a whole backlog behind (one blocks): their receipts complete now, untold, so a stuck
        // listener neither holds up receipts for good nor makes this queue grow with every delivery. Not here: this
        // runs on the journal's writer thread, and what depends on a receipt (the application's thenAccept) would
        // run there too; a callback routing a lead waited for the writer, itself, and every route() hung for good
        Runnable untold = () -> {
          try {
            publish(decisions, false);
          } finally {
            settledOne();
          }
        };
        try {
          threads.turns().execute(untold);
        } catch (RejectedExecutionException closing) {
          untold.run(); // the router is closed: a callback is refused whatever it calls, nothing waits on the writer
        }
        return;
      }
      publishInOrder(() -> {
        try {
          publish(decisions, true);
        } finally {
          threads.listenersTold(told);
          settledOne();
        }
      });
    });
  }

  /**
   * The decisions whose settlement the journal applied: one it refused was made by a claim whose lease had ended (a
   * call hung past its leases, its lead claimed again), and the delivery's new claim tells its outcome. Told anyway,
   * the hung call's late failure dead-lettered the receipt of a lead the second call delivered.
   */
  private static List<DeliveryDecision.Decision> standing(List<DeliveryDecision.Decision> decided,
      List<Settlement> refused) {
    List<DeliveryDecision.Decision> out = new ArrayList<>(decided.size());
    for (DeliveryDecision.Decision d : decided) {
      Settlement s = d.settlement();
      if (refused.stream().noneMatch(r -> r.deliveryId() == s.deliveryId() && r.leaseEpoch() == s.leaseEpoch())) {
        out.add(d);
      }
    }
    return out;
  }

  /** Publishes on the shared event threads, in the order the settlements were written, one drain at a time. */
  private void publishInOrder(Runnable r) {
    synchronized (toPublish) {
      toPublish.add(r);
      if (publishing) {
        return;
      }
      publishing = true;
    }
    try {
      threads.events().execute(this::drainPublications);
    } catch (RejectedExecutionException closing) {
      drainPublications(); // closing: tell them here
    }
  }

  private void drainPublications() {
    while (true) {
      Runnable next;
      synchronized (toPublish) {
        next = toPublish.poll();
        if (next == null) {
          publishing = false;
          return;
        }
      }
      try {
        next.run();
      } catch (RuntimeException | Error e) {
        // an Error left here would leave publishing set: no later outcome of this destination would be told
        LOG.warn("destination '{}': publishing outcomes failed: {}", name, e.toString());
      }
    }
  }

  private void publish(List<DeliveryDecision.Decision> decisions, boolean tellListeners) {
    for (DeliveryDecision.Decision d : decisions) {
      d.event().ifPresent(e -> {
        if (e.type() == LeadEvent.Type.DEAD_LETTERED) {
          // a lead id may be the customer's e-mail or phone: logged masked, as in spans
          LOG.warn("destination '{}': lead {} dead-lettered: {}", name,
              io.leadrouter.Pii.maskLeadId(e.leadId().toString()), e.diagnosis().orElse(null));
        }
        try {
          if (tellListeners) {
            events.publish(e);
          } else {
            events.publishUntold(e);
          }
        } catch (RuntimeException failed) {
          LOG.warn("destination '{}': publishing {} of lead {} failed: {}", name, e.type(),
              io.leadrouter.Pii.maskLeadId(e.leadId().toString()), failed.toString());
        }
      });
    }
  }

  private void settledOne() {
    if (unsettled.decrementAndGet() == 0) {
      synchronized (unsettled) {
        unsettled.notifyAll();
      }
    }
  }

  /**
   * Stops claiming, lets in-flight deliveries finish within {@code timeout}, then stops. Whatever is unfinished stays
   * in the journal as in flight and is retried on the next open.
   */
  public void close(Duration timeout) {
    stop();
    awaitStopped(System.nanoTime() + timeout.toNanos());
  }

  /** Stops claiming and handing out (returns at once): the worker's last turn puts back what waits in memory. */
  public void stop() {
    running = false;
    nudge();
  }

  /**
   * After {@link #stop()}: waits until {@code deadlineNanos} ({@link System#nanoTime()}) at most for the last turn,
   * the deliveries in flight and their settlements; what is unfinished then stays in the journal as in flight.
   */
  public void awaitStopped(long deadlineNanos) {
    try {
      if (!stopped.await(left(deadlineNanos), TimeUnit.NANOSECONDS) && queued.compareAndSet(false, true)) {
        finish(); // no turn is running and none ran the last one in time: put back here
      }
      if (slots.tryAcquire(concurrency, left(deadlineNanos), TimeUnit.NANOSECONDS)) {
        slots.release(concurrency);
      } else {
        LOG.warn("destination '{}': deliveries still running at close; they will be retried on the next start: {}",
            name, stillRunning());
      }
      returnHandOffs(); // handed over after the last turn
      synchronized (unsettled) {
        while (unsettled.get() > 0 && left(deadlineNanos) > 0) {
          unsettled.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left(deadlineNanos))));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownThreads) {
      threads.close(deadlineNanos);
    }
  }

  private static long left(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }
}
