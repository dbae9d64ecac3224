package io.leadrouter.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.RateLimitedFake;
import io.leadrouter.testkit.ThrottledDrain;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Throttling is not failure: a Salesforce fake answering 429 + Retry-After above 20 calls a second. */
@Timeout(180)
class SalesforceThrottlingTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();

  @Test
  void throttledForAWhile_everyLeadDelivered_breakerNeverOpened() {
    RateLimitedFake limit = fake.throttleAbove(20);
    SalesforceSink sink = SalesforceSink.builder().myDomain(fake.url()).clientId(FakeSalesforce.CLIENT_ID)
        .clientSecret(Secret.of(FakeSalesforce.CLIENT_SECRET)).externalIdField(FakeSalesforce.EXT_FIELD)
        .timeout(Duration.ofSeconds(10)).maxBatchSize(1).maxConcurrency(8).build();

    ThrottledDrain.Result r = ThrottledDrain.run(sink, limit, 300, Duration.ofSeconds(120));

    System.out.println("Salesforce throttled drain: " + r); // the figure lead-bench's README records
    assertThat(r.throttled()).as("the fake did throttle").isPositive();
    assertThat(r.delivered()).as("every lead delivered, none held by an open breaker (open for 1 h)").isEqualTo(300);
    assertThat(fake.created()).isEmpty(); // upserts by external id, not plain creates
    assertThat(r.mostAttempts()).as("a throttle is no failed attempt (events, inspect)").isZero();
  }
}
