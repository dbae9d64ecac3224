package io.leadrouter.journal.postgres;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.VerificationReport;

/**
 * A destination of these tests: a subclass says what it does with a lead; it declares {@code capabilities} (none by
 * default) and has no publish check.
 */
abstract class TestDestination implements LeadSink {
  private final SinkCapabilities capabilities;

  /** A destination without limits. */
  TestDestination() {
    this(SinkCapabilities.builder().build());
  }

  /** A destination declaring {@code capabilities}. */
  TestDestination(SinkCapabilities capabilities) {
    this.capabilities = capabilities;
  }

  @Override
  public VerificationReport verify() {
    return VerificationReport.builder("test").build();
  }

  @Override
  public SinkCapabilities capabilities() {
    return capabilities;
  }
}
