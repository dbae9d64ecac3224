package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import io.leadrouter.spi.LeadSink;
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
    return new SalesforceSinkProvider().create(
        SalesforceSinkContractTest.restSettings(FAKE).put("match", "email").build());
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return FAKE.records(lead);
  }
}
