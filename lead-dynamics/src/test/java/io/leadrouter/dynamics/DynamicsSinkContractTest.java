package io.leadrouter.dynamics;

import io.leadrouter.Lead;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.testkit.LeadSinkContract;
import io.leadrouter.testkit.ReceivedRequest;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The sink contract against the fake Entra token endpoint and Dataverse Web API, without an alternate key. */
class DynamicsSinkContractTest extends LeadSinkContract {
  static FakeDynamics fake;

  @BeforeAll
  static void start() {
    fake = new FakeDynamics();
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
    return fake.sink().build();
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return fake.rowsFor(lead);
  }

  @Override
  protected void destinationFailsTransiently() {
    fake.dataverseAnswers(FakeDynamics.json(503, "{\"error\":{\"code\":\"0x80044151\",\"message\":\"The service "
        + "is temporarily unavailable.\"}}").withHeader("Retry-After", "30"));
  }

  @Override
  protected void destinationRejectsPermanently() {
    // the application user lost its security role: every call answers 0x80042F09, even with a cached token
    fake.noRoles();
  }

  @Override
  protected List<String> secretValues() {
    return List.of(FakeDynamics.SECRET);
  }

  @Override
  protected Optional<ReceivedRequest> received(ExplainedRequest explained) {
    return ReceivedRequest.lastLike(fake.wm, explained);
  }
}
