package io.leadrouter.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a sink's destination allows; the router derives its default rate limiter, concurrency and batching from
 * it (each overridable per destination).
 *
 * @param maxBatchSize most leads one {@link LeadSink#deliverBatch} call may carry (1 = no batching)
 * @param maxConcurrency most deliveries in flight at once
 * @param rateLimit the destination's request rate limit, if it has one
 * @param upsert whether redelivering a lead updates the same record (idempotent by {@code LeadId})
 * @param confirmsDelivery whether success means the record exists (false for hand-off destinations)
 * @param orderingKey which deliveries to the destination go one at a time, in acceptance order
 */
public record SinkCapabilities(int maxBatchSize, int maxConcurrency, Optional<RateLimit> rateLimit, boolean upsert,
    boolean confirmsDelivery, OrderingKey orderingKey) {

  /**
   * Which deliveries must not overtake or overlap each other at the destination.
   */
  public enum OrderingKey {
    /**
     * One customer at a time: deliveries sharing the normalised e-mail (the {@code LeadId} of a lead without one)
     * are never in flight together and go in acceptance order; other customers stay parallel. CRMs merge people by
     * e-mail, and two concurrent upserts of one person can create two records. The default.
     */
    CUSTOMER,
    /** No ordering: every delivery may run in parallel with any other (append-only destinations). */
    NONE
  }

  /** Capabilities without ordering ({@link OrderingKey#NONE}). */
  public SinkCapabilities(int maxBatchSize, int maxConcurrency, Optional<RateLimit> rateLimit, boolean upsert,
      boolean confirmsDelivery) {
    this(maxBatchSize, maxConcurrency, rateLimit, upsert, confirmsDelivery, OrderingKey.NONE);
  }

  /** Validates the numbers. */
  public SinkCapabilities {
    Require.atLeast(maxBatchSize, 1, "maxBatchSize");
    Require.atLeast(maxConcurrency, 1, "maxConcurrency");
    Objects.requireNonNull(rateLimit, "rateLimit");
    Objects.requireNonNull(orderingKey, "orderingKey");
  }

  /**
   * A builder starting from: no batching, 4 concurrent, no rate limit, upsert, confirms delivery, no ordering.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A request rate limit: at most {@code permits} calls per {@code period}.
   *
   * @param permits calls allowed per period
   * @param period the period
   */
  public record RateLimit(int permits, Duration period) {
    /** Validates the numbers. */
    public RateLimit {
      Require.atLeast(permits, 1, "permits");
      Require.positive(period, "period");
      if (period.compareTo(MAX_PERIOD) > 0) {
        throw new IllegalArgumentException("period must be at most " + MAX_PERIOD + " (366 days), not " + period
            + ": a limit over a longer period cannot be kept; for a daily quota use a period of PT24H");
      }
    }

    /** The longest period a rate limit may have: 366 days ("practically never" overflowed the limiter). */
    public static final Duration MAX_PERIOD = Duration.ofDays(366);

    /** {@code 100/PT20S}. */
    @Override
    public String toString() {
      return permits + "/" + period;
    }
  }

  /** Builds {@link SinkCapabilities}. */
  public static final class Builder {
    private int maxBatchSize = 1;
    private int maxConcurrency = 4;
    private RateLimit rateLimit;
    private boolean upsert = true;
    private boolean confirmsDelivery = true;
    private OrderingKey orderingKey = OrderingKey.NONE;

    private Builder() {}

    /** Most leads per batch call. */
    public Builder maxBatchSize(int v) {
      maxBatchSize = v;
      return this;
    }

    /** Most deliveries in flight. */
    public Builder maxConcurrency(int v) {
      maxConcurrency = v;
      return this;
    }

    /** At most {@code permits} calls per {@code period}. */
    public Builder rateLimit(int permits, Duration period) {
      rateLimit = new RateLimit(permits, period);
      return this;
    }

    /** Whether redelivery updates the same record. */
    public Builder upsert(boolean v) {
      upsert = v;
      return this;
    }

    /** Whether success confirms the record exists. */
    public Builder confirmsDelivery(boolean v) {
      confirmsDelivery = v;
      return this;
    }

    /** Which deliveries go one at a time, in acceptance order (default {@link OrderingKey#NONE}). */
    public Builder orderingKey(OrderingKey v) {
      orderingKey = v;
      return this;
    }

    /** Builds the capabilities. */
    public SinkCapabilities build() {
      return new SinkCapabilities(maxBatchSize, maxConcurrency, Optional.ofNullable(rateLimit), upsert,
          confirmsDelivery, orderingKey);
    }
  }
}
