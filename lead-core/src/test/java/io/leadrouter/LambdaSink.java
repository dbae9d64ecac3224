package io.leadrouter;

import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.VerificationReport;

/**
 * A sink for core's tests made of one lambda: what it does with each lead; no limits, no checks, and nothing to close
 * unless given what its {@code close()} does.
 */
public final class LambdaSink implements LeadSink {
  /** What the sink does with a lead. */
  @FunctionalInterface
  public interface Deliver {
    /** Delivers {@code lead}, as {@link LeadSink#deliver}. */
    DeliveryResult deliver(Lead lead) throws DeliveryException;
  }

  private final Deliver deliver;
  private final Runnable close;

  private LambdaSink(Deliver deliver, Runnable close) {
    this.deliver = deliver;
    this.close = close;
  }

  /** A sink doing {@code deliver} for each lead. */
  public static LeadSink of(Deliver deliver) {
    return new LambdaSink(deliver, () -> { });
  }

  /** A sink doing {@code deliver} for each lead, and {@code close} when the router closes it. */
  public static LeadSink of(Deliver deliver, Runnable close) {
    return new LambdaSink(deliver, close);
  }

  @Override
  public DeliveryResult deliver(Lead lead) throws DeliveryException {
    return deliver.deliver(lead);
  }

  @Override
  public VerificationReport verify() {
    return VerificationReport.builder("lambda").build();
  }

  @Override
  public SinkCapabilities capabilities() {
    return SinkCapabilities.builder().build();
  }

  @Override
  public void close() {
    close.run();
  }
}
