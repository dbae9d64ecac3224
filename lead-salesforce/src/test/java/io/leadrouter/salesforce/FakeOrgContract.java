package io.leadrouter.salesforce;

import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.LeadSinkContract;
import io.leadrouter.testkit.ReceivedRequest;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The contract against a fake org of each test class's own (started once per class, reset before each test), its
 * failure hooks answered by the org: 503 everywhere, or revoked client credentials.
 */
abstract class FakeOrgContract extends LeadSinkContract {
  private static FakeSalesforce org;

  @BeforeAll
  static void startFakeOrg() {
    org = new FakeSalesforce();
  }

  @AfterAll
  static void stopFakeOrg() {
    org.close();
  }

  @BeforeEach
  void resetFakeOrg() {
    org.reset();
  }

  /** The fake org of the test class. */
  static FakeSalesforce fake() {
    return org;
  }

  /** The descriptor settings of a sink of {@code type} for the fake org, with a 5 s timeout. */
  static SinkConfig.Builder settings(String name, String type) {
    return org.settings(name, type).put("timeout", "5s");
  }

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
