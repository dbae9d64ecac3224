package io.leadrouter.engine;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.InMemoryLeadSink;

/** Test provider of type "memory", listed in a real META-INF/services file written by the discovery test. */
public final class MemorySinkProvider implements LeadSinkProvider {
  static final InMemoryLeadSink SHARED = new InMemoryLeadSink();

  @Override
  public String type() {
    return "memory";
  }

  @Override
  public LeadSink create(SinkConfig config) {
    config.validate();
    return SHARED;
  }
}
