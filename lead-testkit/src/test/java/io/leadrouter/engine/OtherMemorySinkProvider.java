package io.leadrouter.engine;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.InMemoryLeadSink;

/** A second test provider claiming type "memory": discovery must refuse the pair, naming both classes. */
public final class OtherMemorySinkProvider implements LeadSinkProvider {
  @Override
  public String type() {
    return "memory";
  }

  @Override
  public LeadSink create(SinkConfig config) {
    return new InMemoryLeadSink();
  }
}
