package io.leadrouter.engine;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.SinkConfig;

/** A provider whose jar is "broken": it fails while being instantiated, as a provider with a missing dependency. */
public final class BrokenSinkProvider implements LeadSinkProvider {
  /** Fails like a provider whose own dependencies are missing. */
  public BrokenSinkProvider() {
    throw new NoClassDefFoundError("com/example/crm/Client");
  }

  @Override
  public String type() {
    return "broken";
  }

  @Override
  public LeadSink create(SinkConfig config) {
    throw new AssertionError("unreachable");
  }
}
