package io.leadrouter.dynamics;

import io.leadrouter.spi.LeadSink;

/** The sink contract in upsert mode: leads keyed by an alternate key on {@code new_leadrouterid}. */
class DynamicsUpsertContractTest extends DynamicsSinkContractTest {
  @Override
  protected LeadSink createSink() {
    fake.alternateKey("new_leadrouterid");
    return fake.sink().idColumn("new_leadrouterid").build();
  }
}
