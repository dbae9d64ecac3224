package io.leadrouter.bench;

import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/** Sinks without a network, to measure the router itself. */
public final class BenchSinks {
  private BenchSinks() {}

  /** A sink that accepts every lead at once and counts them. */
  public static Counting noOp(int concurrency, int batchSize) {
    return new Counting(concurrency, batchSize);
  }

  /** A sink whose quota is spent for a day: its destination parks and its leads stay pending. */
  public static LeadSink parked() {
    return new Fixed() {
      @Override
      public DeliveryResult deliver(Lead lead) throws DeliveryException {
        throw new QuotaExceededException(new Diagnosis("BENCH_QUOTA", "quota spent", "wait"),
            Instant.now().plus(Duration.ofDays(1)));
      }
    };
  }

  /** A sink whose destination is down: every call fails as transient after {@code stall}. */
  public static LeadSink down(Duration stall) {
    return new Fixed() {
      @Override
      public DeliveryResult deliver(Lead lead) throws DeliveryException {
        try {
          Thread.sleep(stall.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new TransientDeliveryException("connect timed out");
      }
    };
  }

  /** A sink answering at once, counting what it got. */
  public static final class Counting extends Fixed {
    private final LongAdder delivered = new LongAdder();

    Counting(int concurrency, int batchSize) {
      super(SinkCapabilities.builder().maxConcurrency(concurrency).maxBatchSize(batchSize).upsert(true).build());
    }

    @Override
    public DeliveryResult deliver(Lead lead) {
      delivered.increment();
      return DeliveryResult.created(null);
    }

    /** How many leads it got. */
    public long delivered() {
      return delivered.sum();
    }
  }

  /** A sink without a network to check, declaring fixed capabilities (by default 4 in flight, one lead a call). */
  abstract static class Fixed implements LeadSink {
    private final SinkCapabilities capabilities;

    Fixed() {
      this(SinkCapabilities.builder().maxConcurrency(4).maxBatchSize(1).build());
    }

    Fixed(SinkCapabilities capabilities) {
      this.capabilities = capabilities;
    }

    @Override
    public VerificationReport verify() {
      return VerificationReport.builder("bench").passed("bench", "always").build();
    }

    @Override
    public SinkCapabilities capabilities() {
      return capabilities;
    }
  }
}
