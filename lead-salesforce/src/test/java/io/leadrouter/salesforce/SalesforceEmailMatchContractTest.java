package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The REST sink with {@code match: email} (mode upsert) from a descriptor passes the whole contract: each lead is
 * looked up by SOQL before it is created or updated.
 */
class SalesforceEmailMatchContractTest extends FakeOrgContract {
  @RegisterExtension
  static final FakeSalesforce FAKE = new FakeSalesforce();

  @Override
  protected FakeSalesforce fake() {
    return FAKE;
  }

  @Override
  protected LeadSink createSink() {
    return new SalesforceSinkProvider().create(SinkConfig.builder("crm", "salesforce")
        .put("myDomain", FAKE.url().toString())
        .put("clientId", FakeSalesforce.CLIENT_ID)
        .secret("clientSecret", Secret.of(FakeSalesforce.CLIENT_SECRET))
        .put("externalIdField", FakeSalesforce.EXT_FIELD)
        .put("match", "email")
        .put("timeout", "5s")
        .build());
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return FAKE.records(lead);
  }
}
