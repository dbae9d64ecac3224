package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.LeadSinkContract;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The REST sink in upsert mode passes the whole contract against the fake org. */
class SalesforceSinkContractTest extends LeadSinkContract {
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
  protected LeadSink createSink() {
    return new SalesforceSinkProvider().create(SinkConfig.builder("crm", "salesforce")
        .put("myDomain", fake.url().toString())
        .put("clientId", FakeSalesforce.CLIENT_ID)
        .secret("clientSecret", Secret.of(FakeSalesforce.CLIENT_SECRET))
        .put("externalIdField", FakeSalesforce.EXT_FIELD)
        .put("timeout", "5s")
        .build());
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return fake.records(lead);
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
