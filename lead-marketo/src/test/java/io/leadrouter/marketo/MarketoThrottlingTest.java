package io.leadrouter.marketo;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.RateLimitedFake;
import io.leadrouter.testkit.ThrottledDrain;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Throttling is not failure: a Marketo fake answering 606 (rate limit, HTTP 200 body) above 3 calls a second, as when
 * other integrations share the subscription's 100 calls per 20 s.
 */
@Tag("slow") // about 31 s (90 calls at 3 a second): run by -Pslow, which CI runs after the main build
@Timeout(180)
class MarketoThrottlingTest {
  @RegisterExtension
  static final FakeMarketo fake = new FakeMarketo(Clock.systemUTC());

  @Test
  void throttledForAWhile_everyLeadDelivered_breakerNeverOpened() {
    RateLimitedFake limit = fake.throttleAbove(3);
    MarketoSink sink = MarketoSink.builder().endpoint(fake.rest()).identity(fake.identity())
        .clientId(FakeMarketo.CLIENT_ID).clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET))
        .timeout(Duration.ofSeconds(10)).build();

    // one lead per call, so calls and leads are the same count
    ThrottledDrain.Result r = ThrottledDrain.run(sink, limit, 90, Duration.ofSeconds(150),
        ThrottledDrain.POLICY.toBuilder().maxBatchSize(1).build());

    System.out.println("Marketo throttled drain: " + r); // the figure lead-bench's README records
    assertThat(r.throttled()).as("the fake did throttle").isPositive();
    assertThat(r.delivered()).as("every lead delivered, none held by an open breaker (open for 1 h)").isEqualTo(90);
    assertThat(fake.leads()).hasSize(90);
    assertThat(r.mostAttempts()).as("a throttle is no failed attempt (events, inspect)").isZero();
  }
}
