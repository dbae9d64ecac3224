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
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one destination's due leads: its own loop thread, delivery threads, concurrency limit, rate limiter and
 * circuit breaker, so a slow or dead destination never slows another. Retries wait in the journal, not in a
 * sleeping thread: the loop claims only what is due.
 */
public final class DestinationWorker {
  private static final Logger LOG = LoggerFactory.getLogger(DestinationWorker.class);
  private static final Duration MAX_IDLE = Duration.ofSeconds(2);

  private final String name;
  private final LeadSink sink;
  private final DeliveryPolicy policy;
  private final LeadJournal journal;
  private final Clock clock;
  private final Duration lease;
  private final DeliveryEvents events;
  private final Tracing tracing;
  private final int concurrency;
  private final int batchSize;
  private final Semaphore slots;
  private final ExecutorService executor;
  private final CircuitBreaker breaker;
  private final Optional<RateLimiter> limiter;
  private final Optional<SharedRateLimiter> sharedLimiter;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final Thread loop;
  private volatile boolean running = true;
  private volatile boolean signalled;

  /** Creates a worker; {@link #start()} starts it. */
  public DestinationWorker(String name, LeadSink sink, DeliveryPolicy policy, LeadJournal journal, Clock clock,
      Duration lease, DeliveryEvents events, Tracing tracing) {
    this.name = Objects.requireNonNull(name, "name");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.lease = Objects.requireNonNull(lease, "lease");
    this.events = Objects.requireNonNull(events, "events");
    this.tracing = Objects.requireNonNull(tracing, "tracing");
    SinkCapabilities caps = sink.capabilities();
    this.concurrency = policy.inFlightFor(caps);
    this.batchSize = policy.batchSizeFor(caps);
    this.slots = new Semaphore(concurrency);
    AtomicInteger n = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(concurrency, concurrency, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "leadrouter-" + name + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.breaker = CircuitBreaker.of("leadrouter-" + name, CircuitBreakerConfig.custom()
        .failureRateThreshold(policy.breakerFailureRatePercent())
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(20)
        .minimumNumberOfCalls(10)
        .waitDurationInOpenState(policy.breakerOpenFor())
        .permittedNumberOfCallsInHalfOpenState(1)
        .build());
    this.limiter = policy.rateLimitFor(caps).map(rl -> RateLimiter.of("leadrouter-" + name,
        RateLimiterConfig.custom().limitForPeriod(rl.permits()).limitRefreshPeriod(rl.period())
            .timeoutDuration(rl.period().plusSeconds(1)).build()));
    // a journal shared by several routers may keep the limit itself, so together they stay within it
    this.sharedLimiter = policy.rateLimitFor(caps).flatMap(rl -> journal.sharedRateLimiter(name, rl));
    this.loop = new Thread(this::run, "leadrouter-" + name);
    this.loop.setDaemon(true);
  }

  /** Starts delivering. */
  public void start() {
    loop.start();
  }

  /** Tells the worker new leads may be due (a route() just accepted some). */
  public void wake() {
    signalled = true;
    lock.lock();
    try {
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The circuit breaker's state, for operators. */
  public String breakerState() {
    return breaker.getState().name();
  }

  private void run() {
    while (running) {
      try {
        // reset before looking, so a wake() after the look is not lost, and one before it does not spin the loop
        signalled = false;
        Instant now = clock.instant();
        Optional<Instant> parked = journal.parkedUntil(name, now);
        if (parked.isPresent()) {
          awaitParked(Duration.between(now, parked.get()));
          continue;
        }
        int free = slots.availablePermits();
        if (free == 0) {
          await(MAX_IDLE);
          continue;
        }
        // While the breaker is open, one batch per pause goes through: the breaker refuses it (the leads wait again,
        // or are dead-lettered past their give-up age) until its open time ends and it lets a probe call through.
        boolean open = breaker.getState() == CircuitBreaker.State.OPEN;
        // A full round for every slot, not one lead per freed slot: claiming is the journal's dearest query. Leads
        // beyond the free slots wait here, in flight, for the next slot (at most one delivery call).
        List<ClaimedDelivery> claimed = journal.claimDue(name, now, open ? batchSize : concurrency * batchSize, lease);
        if (claimed.isEmpty()) {
          Duration idle = journal.nextDue(name).map(t -> Duration.between(clock.instant(), t)).orElse(MAX_IDLE);
          await(idle.compareTo(MAX_IDLE) > 0 ? MAX_IDLE : idle);
          continue;
        }
        for (int i = 0; i < claimed.size(); i += batchSize) {
          List<ClaimedDelivery> batch = claimed.subList(i, Math.min(claimed.size(), i + batchSize));
          if (!running) {
            putBack(batch);
            continue;
          }
          slots.acquire();
          if (!running) { // closed while this batch waited for a slot
            slots.release();
            putBack(batch);
            continue;
          }
          try {
            acquirePermit();
          } catch (InterruptedException | RuntimeException e) {
            slots.release(); // the claimed leads stay in flight and are retried when their lease ends
            throw e;
          }
          List<ClaimedDelivery> own = List.copyOf(batch);
          executor.execute(() -> deliver(own));
        }
        if (open) {
          await(policy.breakerOpenFor().compareTo(MAX_IDLE) < 0 ? policy.breakerOpenFor() : MAX_IDLE);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (JournalDamagedException e) {
        // the journal said once what happened and how to recover; it stays damaged, so only wait for close
        try {
          awaitParked(MAX_IDLE);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        LOG.error("destination '{}': delivery loop error, retrying in 1 s", name, e);
        sleepQuietly(Duration.ofSeconds(1));
      }
    }
  }

  /** Returns claimed leads to the journal undelivered (the router is closing): they are due again at once. */
  private void putBack(List<ClaimedDelivery> batch) {
    Instant now = clock.instant();
    journal.settle(batch.stream().map(c -> Settlement.released(c.deliveryId(), now)).toList(), now);
  }

  private void acquirePermit() throws InterruptedException {
    if (sharedLimiter.isPresent()) {
      sharedLimiter.get().acquire();
    } else {
      limiter.ifPresent(RateLimiter::acquirePermission);
    }
  }

  private void deliver(List<ClaimedDelivery> batch) {
    try {
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
      boolean anyTransient = results.stream().anyMatch(r -> r.failure().orElse(null)
          instanceof TransientDeliveryException);
      if (anyTransient) {
        breaker.onError(took, TimeUnit.NANOSECONDS, new TransientDeliveryException("transient failure"));
      } else {
        breaker.onSuccess(took, TimeUnit.NANOSECONDS);
      }
      settle(batch, results);
    } catch (JournalDamagedException e) {
      // said once by the journal; these deliveries stay in flight in the damaged file (recovered with it)
      LOG.debug("destination '{}': results not recorded, the journal is damaged", name);
    } catch (RuntimeException e) {
      // the journal failed: the deliveries stay in flight and are retried when their lease ends or at next open
      LOG.error("destination '{}': could not record delivery results; leads will be retried", name, e);
    } finally {
      slots.release();
      wake();
    }
  }

  /**
   * The breaker refused the call: the leads wait again, except those past their give-up age, which are dead-lettered
   * now (a destination that stays broken must not hold leads beyond the give-up age unseen).
   */
  private void releaseOrGiveUp(List<ClaimedDelivery> batch) {
    Instant now = clock.instant();
    List<DeliveryDecision.Decision> decisions = new ArrayList<>(batch.size());
    for (ClaimedDelivery c : batch) {
      decisions.add(DeliveryDecision.decide(c, new DeliveryDecision.Outcome.BreakerOpen(), policy, now));
    }
    record(decisions, now);
  }

  private List<BatchItemResult> call(List<ClaimedDelivery> batch) {
    List<Lead> leads = batch.stream().map(ClaimedDelivery::lead).toList();
    try {
      if (leads.size() == 1) {
        return List.of(BatchItemResult.success(leads.get(0).id(), sink.deliver(leads.get(0))));
      }
      List<BatchItemResult> results = sink.deliverBatch(leads);
      if (results.size() != leads.size()) {
        throw new IllegalStateException("sink returned " + results.size() + " results for " + leads.size()
            + " leads");
      }
      return results;
    } catch (DeliveryException e) {
      return leads.stream().map(l -> BatchItemResult.failure(l.id(), e)).toList();
    } catch (RuntimeException e) {
      LOG.error("destination '{}': the sink threw {}; treating it as transient", name, e.getClass().getName(), e);
      TransientDeliveryException t = new TransientDeliveryException("the sink failed unexpectedly: " + e, null,
          new Diagnosis("SINK_ERROR", "the sink threw " + e.getClass().getName(),
              "report this to the sink's authors; leads are retried"), e);
      return leads.stream().map(l -> BatchItemResult.failure(l.id(), t)).toList();
    }
  }

  private void settle(List<ClaimedDelivery> batch, List<BatchItemResult> results) {
    Instant now = clock.instant();
    List<DeliveryDecision.Decision> decisions = new ArrayList<>(batch.size());
    QuotaExceededException quota = null;
    for (int i = 0; i < batch.size(); i++) {
      BatchItemResult r = results.get(i);
      DeliveryDecision.Outcome outcome = r.result().isPresent()
          ? new DeliveryDecision.Outcome.Delivered(r.result().get())
          : new DeliveryDecision.Outcome.Failed(r.failure().orElseThrow());
      if (r.failure().orElse(null) instanceof QuotaExceededException q) {
        quota = q;
      }
      decisions.add(DeliveryDecision.decide(batch.get(i), outcome, policy, now));
    }
    if (quota != null) {
      journal.park(name, quota.resumeAt(), quota.getMessage());
      LOG.warn("destination '{}' parked until {}: {}", name, quota.resumeAt(), quota.getMessage());
    }
    record(decisions, now);
  }

  /** Writes the decisions' settlements, then publishes their events. */
  private void record(List<DeliveryDecision.Decision> decisions, Instant now) {
    journal.settle(decisions.stream().map(DeliveryDecision.Decision::settlement).toList(), now);
    for (DeliveryDecision.Decision d : decisions) {
      d.event().ifPresent(e -> {
        if (e.type() == LeadEvent.Type.DEAD_LETTERED) {
          LOG.warn("destination '{}': lead {} dead-lettered: {}", name, e.leadId(), e.diagnosis().orElse(null));
        }
        events.publish(e);
      });
    }
  }

  private void await(Duration d) throws InterruptedException {
    if (d.isNegative() || d.isZero()) {
      return;
    }
    lock.lock();
    try {
      if (!signalled && running) {
        wake.await(d.toNanos(), TimeUnit.NANOSECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits out a parking (re-checking at least every {@link #MAX_IDLE}); new leads cannot end it, only close. */
  private void awaitParked(Duration d) throws InterruptedException {
    long deadline = System.nanoTime() + (d.compareTo(MAX_IDLE) > 0 ? MAX_IDLE : d).toNanos();
    lock.lock();
    try {
      for (long left = deadline - System.nanoTime(); running && left > 0; left = deadline - System.nanoTime()) {
        wake.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private static void sleepQuietly(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops claiming, lets in-flight deliveries finish within {@code timeout}, then stops. Whatever is unfinished stays
   * in the journal as in flight and is retried on the next open.
   */
  public void close(Duration timeout) {
    running = false;
    wake();
    try {
      loop.join(timeout.toMillis());
      executor.shutdown();
      if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("destination '{}': deliveries still running after {}; they will be retried on the next start",
            name, timeout);
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
  }
}
