package io.leadrouter.marketo;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.ContractOptions;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sink from a descriptor with {@code match: leadId} (lookup field {@code leadIdField}) and {@code mode: upsert}
 * passes the whole contract; anonymous leads, which {@code match: email} cannot send, are delivered too.
 */
class MarketoLeadIdMatchContractTest extends FakeMarketoContract {
  @RegisterExtension static final FakeMarketo fake = new FakeMarketo(java.time.Clock.systemUTC());

  MarketoLeadIdMatchContractTest() {
    super(fake);
  }

  @Override
  protected LeadSink createSink() {
    return new MarketoSinkProvider().create(SinkConfig.builder("mkto", "marketo")
        .put("endpoint", fake.rest().toString()).put("identity", fake.identity().toString())
        .put("clientId", FakeMarketo.CLIENT_ID).secret("clientSecret", Secret.of(FakeMarketo.CLIENT_SECRET))
        .put("leadIdField", "leadRouterLeadId").put("match", "leadId").put("mode", "upsert").build());
  }

  @Override
  protected ContractOptions options() {
    return ContractOptions.full();
  }
}
