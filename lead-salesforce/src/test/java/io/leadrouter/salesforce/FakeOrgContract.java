package io.leadrouter.salesforce;

import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.testkit.LeadSinkContract;
import io.leadrouter.testkit.ReceivedRequest;
import java.util.List;
import java.util.Optional;

/** The contract's failure hooks, answered by the fake org: 503 everywhere, or revoked client credentials. */
abstract class FakeOrgContract extends LeadSinkContract {

  /** The fake org of the test class. */
  protected abstract FakeSalesforce fake();

  @Override
  protected void destinationFailsTransiently() {
    fake().failTransiently();
  }

  @Override
  protected void destinationRejectsPermanently() {
    fake().revokeCredentials();
  }

  @Override
  protected List<String> secretValues() {
    return List.of(FakeSalesforce.CLIENT_SECRET);
  }

  @Override
  protected Optional<ReceivedRequest> received(ExplainedRequest explained) {
    return ReceivedRequest.lastLike(fake().server, explained);
  }
}
