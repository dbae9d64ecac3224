package io.leadrouter.marketo;

import io.leadrouter.Lead;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.ContractOptions;
import io.leadrouter.testkit.LeadSinkContract;
import io.leadrouter.testkit.ReceivedRequest;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sink from a descriptor with {@code match: leadId} (lookup field {@code leadIdField}) and {@code mode: upsert}
 * passes the whole contract; anonymous leads, which {@code match: email} cannot send, are delivered too.
 */
class MarketoLeadIdMatchContractTest extends LeadSinkContract {
  @RegisterExtension static final FakeMarketo fake = new FakeMarketo(java.time.Clock.systemUTC());

  @Override
  protected LeadSink createSink() {
    return new MarketoSinkProvider().create(SinkConfig.builder("mkto", "marketo")
        .put("endpoint", fake.rest().toString()).put("identity", fake.identity().toString())
        .put("clientId", FakeMarketo.CLIENT_ID).secret("clientSecret", Secret.of(FakeMarketo.CLIENT_SECRET))
        .put("leadIdField", "leadRouterLeadId").put("match", "leadId").put("mode", "upsert").build());
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
    return ContractOptions.full();
  }

  @Override
  protected Optional<ReceivedRequest> received(ExplainedRequest explained) {
    return ReceivedRequest.lastLike(fake.server(), explained);
  }
}
