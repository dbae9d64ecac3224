package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.ContractOptions;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Web-to-Lead passes the contract with its limits stated: no upsert (a redelivery posts the form again) and no
 * confirmation (every success is HANDED_OFF). REST credentials are configured so verify checks Lead for real.
 */
class WebToLeadSinkContractTest extends FakeOrgContract {
  @RegisterExtension
  static final FakeSalesforce FAKE = new FakeSalesforce();

  @Override
  protected FakeSalesforce fake() {
    return FAKE;
  }

  @Override
  protected ContractOptions options() {
    return ContractOptions.full().notIdempotent("Web-to-Lead has no upsert and answers 200 whatever happens, so a "
        + "redelivery posts the form again; the LeadId goes in a hidden custom field for deduplication");
  }

  @Override
  protected LeadSink createSink() {
    return new WebToLeadSinkProvider().create(SinkConfig.builder("marketplace", "salesforce-web2lead")
        .put("orgId", FakeSalesforce.ORG_ID)
        .put("endpoint", FAKE.webToLeadUrl().toString())
        .put("leadIdField", FakeSalesforce.LEAD_ID_FORM_FIELD)
        .put("myDomain", FAKE.url().toString())
        .put("clientId", FakeSalesforce.CLIENT_ID)
        .secret("clientSecret", Secret.of(FakeSalesforce.CLIENT_SECRET))
        .put("timeout", "5s")
        .build());
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return FAKE.webToLeadPosts(lead);
  }
}
