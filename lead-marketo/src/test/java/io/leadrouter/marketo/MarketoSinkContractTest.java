package io.leadrouter.marketo;

import io.leadrouter.Lead;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.ContractOptions;
import io.leadrouter.testkit.LeadSinkContract;
import io.leadrouter.testkit.MutableClock;
import io.leadrouter.testkit.ReceivedRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sink contract against {@link FakeMarketo}: createOrUpdate looked up by e-mail (the default), with the lead id
 * written to the custom field {@code leadRouterLeadId}, which is how records are counted at the destination.
 */
class MarketoSinkContractTest extends LeadSinkContract {
  private static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-25T10:15:30Z"));
  @RegisterExtension static final FakeMarketo fake = new FakeMarketo(CLOCK);

  @Override
  protected LeadSink createSink() {
    return MarketoSink.builder().endpoint(fake.rest()).identity(fake.identity()).clientId(FakeMarketo.CLIENT_ID)
        .clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET)).leadIdField("leadRouterLeadId").clock(CLOCK).build();
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return (int) fake.count("leadRouterLeadId", lead.id().value());
  }

  @Override
  protected void destinationFailsTransiently() {
    fake.failEveryCall("608", "API Temporarily Unavailable");
  }

  @Override
  protected void destinationRejectsPermanently() {
    fake.revokeCredentials();
  }

  @Override
  protected List<String> secretValues() {
    return List.of(FakeMarketo.CLIENT_SECRET, "Zx9%2BQp%3DLm%26Kv");
  }

  @Override
  protected ContractOptions options() {
    return ContractOptions.full().rejectsAnonymousWith(MarketoErrors.NO_LOOKUP_VALUE);
  }

  @Override
  protected Optional<ReceivedRequest> received(ExplainedRequest explained) {
    return ReceivedRequest.lastLike(fake.server(), explained);
  }
}
