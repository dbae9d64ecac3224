package io.leadrouter.marketo;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.RateLimitedFake;
import io.leadrouter.testkit.ThrottledDrain;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A throttle is no failed attempt: leads Marketo held back with 606 (rate limit, HTTP 200 body) arrive showing no
 * failed attempt, where each 606 used to count one (a subscription throttled for hours showed hundreds). The short
 * drain of {@link MarketoThrottlingTest}, which runs in the slow phase.
 */
@Timeout(120)
class MarketoThrottleAttemptsTest {
  @RegisterExtension
  static final FakeMarketo fake = new FakeMarketo(Clock.systemUTC());

  @Test
  void throttled_leadsArrive_showingNoFailedAttempt() {
    RateLimitedFake limit = fake.throttleAbove(2);
    MarketoSink sink = MarketoSink.builder().endpoint(fake.rest()).identity(fake.identity())
        .clientId(FakeMarketo.CLIENT_ID).clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET))
        .timeout(Duration.ofSeconds(10)).build();

    ThrottledDrain.Result r = ThrottledDrain.run(sink, limit, 5, Duration.ofSeconds(60),
        ThrottledDrain.POLICY.toBuilder().maxBatchSize(1).build());

    assertThat(r.throttled()).as("the fake did throttle").isPositive();
    assertThat(r.delivered()).isEqualTo(5);
    assertThat(r.mostAttempts()).as("a throttle is no failed attempt (events, inspect)").isZero();
    assertThat(fake.leads()).hasSize(5);
  }
}
