package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.ContractOptions;
import io.leadrouter.testkit.LeadSinkContract;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Web-to-Lead passes the contract with its limits stated: no upsert (a redelivery posts the form again) and no
 * confirmation (every success is HANDED_OFF). REST credentials are configured so verify checks Lead for real.
 */
class WebToLeadSinkContractTest extends LeadSinkContract {
  private static FakeSalesforce fake;

  @BeforeAll
  static void start() {
    fake = new FakeSalesforce();
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  @BeforeEach
  void resetFake() {
    fake.reset();
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
        .put("endpoint", fake.webToLeadUrl().toString())
        .put("leadIdField", FakeSalesforce.LEAD_ID_FORM_FIELD)
        .put("myDomain", fake.url().toString())
        .put("clientId", FakeSalesforce.CLIENT_ID)
        .secret("clientSecret", Secret.of(FakeSalesforce.CLIENT_SECRET))
        .put("timeout", "5s")
        .build());
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return fake.webToLeadPosts(lead);
  }

  @Override
  protected void destinationFailsTransiently() {
    fake.failTransiently();
  }

  @Override
  protected void destinationRejectsPermanently() {
    fake.revokeCredentials();
  }

  @Override
  protected List<String> secretValues() {
    return List.of(FakeSalesforce.CLIENT_SECRET);
  }
}
