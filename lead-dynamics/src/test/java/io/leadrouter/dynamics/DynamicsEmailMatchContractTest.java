package io.leadrouter.dynamics;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.RecordMatching.Match;

/**
 * The sink contract with {@code match: email} (mode upsert): each lead is looked up by its e-mail
 * ({@code $filter=emailaddress1 eq '...'}) before it is created or updated, and the contract still holds (one record,
 * a redelivery updates it, failures classified, the explained request is what the fake received).
 */
class DynamicsEmailMatchContractTest extends DynamicsSinkContractTest {
  @Override
  protected LeadSink createSink() {
    return fake.sink().match(Match.EMAIL).build();
  }
}
