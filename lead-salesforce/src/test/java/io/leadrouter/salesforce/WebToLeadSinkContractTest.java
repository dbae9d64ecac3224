package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.testkit.ContractOptions;

/**
 * Web-to-Lead passes the contract with its limits stated: no upsert (a redelivery posts the form again) and no
 * confirmation (every success is HANDED_OFF). REST credentials are configured so verify checks Lead for real.
 */
class WebToLeadSinkContractTest extends FakeOrgContract {
  @Override
  protected ContractOptions options() {
    return ContractOptions.full().notIdempotent("Web-to-Lead has no upsert and answers 200 whatever happens, so a "
        + "redelivery posts the form again; the LeadId goes in a hidden custom field for deduplication");
  }

  @Override
  protected LeadSink createSink() {
    return new WebToLeadSinkProvider().create(settings("marketplace", "salesforce-web2lead")
        .put("orgId", FakeSalesforce.ORG_ID).put("endpoint", fake().webToLeadUrl().toString())
        .put("leadIdField", FakeSalesforce.LEAD_ID_FORM_FIELD).build());
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return fake().webToLeadPosts(lead);
  }
}
