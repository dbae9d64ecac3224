package io.leadrouter.testkit;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A sink that keeps leads in memory, upserting by {@link LeadId}, for tests of the router and of applications.
 * Failures can be scripted: the next {@code n} calls fail transiently, every call fails permanently, or the quota is
 * spent. Thread-safe.
 */
public final class InMemoryLeadSink implements LeadSink {
  private final Map<LeadId, Lead> records = new ConcurrentHashMap<>();
  private final Map<LeadId, AtomicInteger> deliveries = new ConcurrentHashMap<>();
  private final List<LeadId> order = new CopyOnWriteArrayList<>();
  private final AtomicInteger transientFailures = new AtomicInteger();
  private final AtomicReference<Duration> retryAfter = new AtomicReference<>();
  private final AtomicReference<Diagnosis> permanent = new AtomicReference<>();
  private final AtomicReference<Instant> quotaUntil = new AtomicReference<>();
  private final SinkCapabilities capabilities;

  /** A sink with default capabilities (upsert, 4 concurrent, no batching). */
  public InMemoryLeadSink() {
    this(SinkCapabilities.builder().build());
  }

  /** A sink declaring the given capabilities. */
  public InMemoryLeadSink(SinkCapabilities capabilities) {
    this.capabilities = capabilities;
  }

  @Override
  public DeliveryResult deliver(Lead lead) throws DeliveryException {
    Diagnosis p = permanent.get();
    if (p != null) {
      throw new PermanentDeliveryException(p);
    }
    Instant quota = quotaUntil.get();
    if (quota != null && Instant.now().isBefore(quota)) {
      throw new QuotaExceededException(new Diagnosis("MEMORY_QUOTA_EXCEEDED", "daily quota spent",
          "wait for the quota to reset"), quota);
    }
    if (transientFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new TransientDeliveryException("in-memory destination unavailable (scripted)", retryAfter.get(), null,
          null);
    }
    deliveries.computeIfAbsent(lead.id(), k -> new AtomicInteger()).incrementAndGet();
    Lead previous = records.put(lead.id(), lead);
    if (previous == null) {
      order.add(lead.id());
      return DeliveryResult.created(lead.id().value());
    }
    return DeliveryResult.updated(lead.id().value());
  }

  @Override
  public VerificationReport verify() {
    VerificationReport.Builder r = VerificationReport.builder("memory");
    Diagnosis p = permanent.get();
    if (p != null) {
      return r.failed("reachable", p).build();
    }
    return r.passed("reachable", "in-memory sink holds " + records.size() + " leads").build();
  }

  @Override
  public SinkCapabilities capabilities() {
    return capabilities;
  }

  /** The next {@code n} deliveries fail transiently (optionally asking to retry after {@code after}). */
  public InMemoryLeadSink failNext(int n, Duration after) {
    retryAfter.set(after);
    transientFailures.set(n);
    return this;
  }

  /** Every delivery fails permanently with this diagnosis until {@link #heal()}. */
  public InMemoryLeadSink failPermanently(Diagnosis diagnosis) {
    permanent.set(diagnosis);
    return this;
  }

  /** Every delivery answers "quota spent" until {@code until}. */
  public InMemoryLeadSink quotaSpentUntil(Instant until) {
    quotaUntil.set(until);
    return this;
  }

  /** Clears every scripted failure. */
  public InMemoryLeadSink heal() {
    transientFailures.set(0);
    permanent.set(null);
    quotaUntil.set(null);
    return this;
  }

  /** The leads held, in the order first received. */
  public List<Lead> leads() {
    return order.stream().map(records::get).toList();
  }

  /** Whether a lead is held. */
  public boolean contains(LeadId id) {
    return records.containsKey(id);
  }

  /** How many times a lead was delivered successfully (1 + redeliveries). */
  public int deliveryCount(LeadId id) {
    AtomicInteger n = deliveries.get(id);
    return n == null ? 0 : n.get();
  }

  /** How many distinct leads are held. */
  public int size() {
    return order.size(); // order is appended after the record: size() never runs ahead of leads()
  }
}
