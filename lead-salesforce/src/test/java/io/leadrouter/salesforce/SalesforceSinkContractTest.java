package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The REST sink in upsert mode passes the whole contract against the fake org, with no opt-out. */
class SalesforceSinkContractTest extends FakeOrgContract {
  @RegisterExtension
  static final FakeSalesforce FAKE = new FakeSalesforce();

  @Override
  protected FakeSalesforce fake() {
    return FAKE;
  }

  @Override
  protected LeadSink createSink() {
    return new SalesforceSinkProvider().create(restSettings(FAKE).build());
  }

  /** The REST sink's descriptor settings for {@code fake}: upsert by the external id, 5 s timeout. */
  static SinkConfig.Builder restSettings(FakeSalesforce fake) {
    return SinkConfig.builder("crm", "salesforce")
        .put("myDomain", fake.url().toString())
        .put("clientId", FakeSalesforce.CLIENT_ID)
        .secret("clientSecret", Secret.of(FakeSalesforce.CLIENT_SECRET))
        .put("externalIdField", FakeSalesforce.EXT_FIELD)
        .put("timeout", "5s");
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return FAKE.records(lead);
  }
}
