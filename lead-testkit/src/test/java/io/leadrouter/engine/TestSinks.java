package io.leadrouter.engine;

import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.VerificationReport;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Sinks for engine tests made of one lambda: what {@code deliver} does, with the declared capabilities. */
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
