package io.leadrouter.engine;

import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.testkit.ForwardingLeadSink;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Sinks for engine tests: one made of a lambda (what {@code deliver} does, with the declared capabilities), and a batch
 * destination refusing some leads.
 */
final class TestSinks {
  private TestSinks() {}

  /** What the sink does with a lead. */
  @FunctionalInterface
  interface Deliver {
    DeliveryResult deliver(Lead lead) throws DeliveryException;
  }

  /** A sink doing {@code deliver} for each lead and declaring {@code capabilities}. */
  static LeadSink of(SinkCapabilities capabilities, Deliver deliver) {
    return new LeadSink() {
      @Override
      public DeliveryResult deliver(Lead lead) throws DeliveryException {
        return deliver.deliver(lead);
      }

      @Override
      public VerificationReport verify() {
        return VerificationReport.builder("test").passed("test", "always").build();
      }

      @Override
      public SinkCapabilities capabilities() {
        return capabilities;
      }
    };
  }

  /**
   * A destination taking batches of up to {@code maxBatch} leads, one call at a time, into {@link #store}; it refuses
   * for good each lead whose e-mail starts with {@code bad} ({@code TEST_RECORD_REJECTED}). Tests override
   * {@code deliverBatch} to watch or spoil its answers.
   */
  static class RejectingBatches extends ForwardingLeadSink {
    final InMemoryLeadSink store;

    RejectingBatches(int maxBatch) {
      this(new InMemoryLeadSink(SinkCapabilities.builder().maxBatchSize(maxBatch).maxConcurrency(1).build()));
    }

    private RejectingBatches(InMemoryLeadSink store) {
      super(store);
      this.store = store;
    }

    @Override
    public DeliveryResult deliver(Lead lead) throws DeliveryException {
      if (lead.customer().email().startsWith("bad")) {
        throw new PermanentDeliveryException(new Diagnosis("TEST_RECORD_REJECTED", "record rejected",
            "fix the record"));
      }
      return super.deliver(lead);
    }
  }

  /** Waits for the latch (at most {@code max}), as a destination that hangs until released. */
  static void hang(CountDownLatch release, Duration max) {
    try {
      release.await(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sleeps, as a destination taking its time. */
  static void take(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
