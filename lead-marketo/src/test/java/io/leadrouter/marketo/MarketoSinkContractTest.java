package io.leadrouter.marketo;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.testkit.ContractOptions;
import io.leadrouter.testkit.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sink contract against {@link FakeMarketo}: createOrUpdate looked up by e-mail (the default), with the lead id
 * written to the custom field {@code leadRouterLeadId}, which is how records are counted at the destination.
 */
class MarketoSinkContractTest extends FakeMarketoContract {
  private static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-25T10:15:30Z"));
  @RegisterExtension static final FakeMarketo fake = new FakeMarketo(CLOCK);

  MarketoSinkContractTest() {
    super(fake);
  }

  @Override
  protected LeadSink createSink() {
    return fake.sinkBuilder().leadIdField("leadRouterLeadId").clock(CLOCK).build();
  }

  @Override
  protected ContractOptions options() {
    return ContractOptions.full().rejectsAnonymousWith(MarketoErrors.NO_LOOKUP_VALUE);
  }
}
