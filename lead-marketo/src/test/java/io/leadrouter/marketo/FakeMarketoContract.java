package io.leadrouter.marketo;

import io.leadrouter.Lead;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.testkit.LeadSinkContract;
import io.leadrouter.testkit.ReceivedRequest;
import java.util.List;
import java.util.Optional;

/**
 * The contract's hooks, answered by the fake Marketo of the test class: records counted by the lead id written to
 * {@code leadRouterLeadId}, 608 on every call, revoked credentials, the secret in its raw and URL-encoded forms.
 */
abstract class FakeMarketoContract extends LeadSinkContract {
  private final FakeMarketo fake;

  FakeMarketoContract(FakeMarketo fake) {
    this.fake = fake;
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return (int) fake.count("leadRouterLeadId", lead.id().value());
  }

  @Override
  protected void destinationFailsTransiently() {
    fake.failEveryCall("608", "API Temporarily Unavailable");
  }

  @Override
  protected void destinationRejectsPermanently() {
    fake.revokeCredentials();
  }

  @Override
  protected List<String> secretValues() {
    return List.of(FakeMarketo.CLIENT_SECRET, "Zx9%2BQp%3DLm%26Kv");
  }

  @Override
  protected Optional<ReceivedRequest> received(ExplainedRequest explained) {
    return ReceivedRequest.lastLike(fake.server(), explained);
  }
}
