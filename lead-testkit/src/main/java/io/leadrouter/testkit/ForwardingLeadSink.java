package io.leadrouter.testkit;

import io.leadrouter.Lead;
import io.leadrouter.Person;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.SinkCounters;
import io.leadrouter.spi.VerificationReport;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * For sink authors' tests: a sink passing every call to another, to extend where a test makes one call of a real sink
 * misbehave (a {@code close()} that hangs, a {@code verify()} that throws, a delivery that waits for a latch) or
 * watches it, and keeps the rest as they are.
 *
 * <p>{@code deliverBatch} is not forwarded: the default delivers one lead after another through {@link #deliver}, so
 * that a subclass overriding {@code deliver} sees every lead. Override it to reach the other sink's batch API.
 */
public abstract class ForwardingLeadSink implements LeadSink {
  private final LeadSink delegate;

  /** Forwards to {@code delegate}, which this sink now owns (closing this closes it). */
  protected ForwardingLeadSink(LeadSink delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public DeliveryResult deliver(Lead lead) throws DeliveryException {
    return delegate.deliver(lead);
  }

  @Override
  public Optional<ExplainedRequest> explain(Lead lead) throws PermanentDeliveryException {
    return delegate.explain(lead);
  }

  @Override
  public OptionalLong erase(Person person) {
    return delegate.erase(person);
  }

  @Override
  public VerificationReport verify() {
    return delegate.verify();
  }

  @Override
  public SinkCapabilities capabilities() {
    return delegate.capabilities();
  }

  @Override
  public void prepareFor(int inFlight) {
    delegate.prepareFor(inFlight);
  }

  @Override
  public void useCounters(SinkCounters counters) {
    delegate.useCounters(counters);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
