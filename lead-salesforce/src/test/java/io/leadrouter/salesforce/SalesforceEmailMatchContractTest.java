package io.leadrouter.salesforce;

import io.leadrouter.spi.LeadSink;

/**
 * The REST sink with {@code match: email} (mode upsert) from a descriptor passes the whole contract: each lead is
 * looked up by SOQL before it is created or updated.
 */
class SalesforceEmailMatchContractTest extends SalesforceSinkContractTest {
  @Override
  protected LeadSink createSink() {
    return new SalesforceSinkProvider().create(restSettings().put("match", "email").build());
  }
}
