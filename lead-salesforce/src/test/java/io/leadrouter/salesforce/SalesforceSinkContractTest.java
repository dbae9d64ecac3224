package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkConfig;
import java.util.List;

/** The REST sink in upsert mode passes the whole contract against the fake org, with no opt-out. */
class SalesforceSinkContractTest extends FakeOrgContract {
  @Override
  protected LeadSink createSink() {
    return new SalesforceSinkProvider().create(restSettings().build());
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return fake().records(lead);
  }

  @Override
  protected List<String> verifySteps() {
    return List.of("token", "lead fields", "opt-out fields", "test lead");
  }

  /** The REST sink's descriptor settings for the fake org: upsert by the external id, 5 s timeout. */
  static SinkConfig.Builder restSettings() {
    return settings("crm", "salesforce").put("externalIdField", FakeSalesforce.EXT_FIELD);
  }
}
