package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.spi.SinkCapabilities;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeliveryPolicyTest {
  @Test
  void builder_startsFromTheDefaults() {
    assertThat(DeliveryPolicy.builder().build()).isEqualTo(DeliveryPolicy.DEFAULTS);
  }

  @Test
  void toBuilder_changesOnlyWhatIsSet() {
    DeliveryPolicy base = DeliveryPolicy.builder().inFlight(8).giveUpAfter(Duration.ofHours(2)).build();

    DeliveryPolicy changed = base.toBuilder().backoff(Duration.ofMillis(5), Duration.ofMillis(50)).build();

    assertThat(changed.maxConcurrency()).contains(8);
    assertThat(changed.giveUpAfter()).isEqualTo(Duration.ofHours(2));
    assertThat(changed.initialBackoff()).isEqualTo(Duration.ofMillis(5));
    assertThat(base.initialBackoff()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void withMethods_delegateToTheBuilder() {
    DeliveryPolicy p = DeliveryPolicy.DEFAULTS.withMaxConcurrency(3).withMaxBatchSize(10)
        .withRateLimit(5, Duration.ofSeconds(1)).withBackoff(Duration.ofSeconds(2), Duration.ofMinutes(1))
        .withMaxRetryAfter(Duration.ofMinutes(5)).withGiveUpAfter(Duration.ofHours(1))
        .withBreaker(70, Duration.ofSeconds(10));

    assertThat(p).isEqualTo(DeliveryPolicy.builder().inFlight(3).maxBatchSize(10).rateLimit(5, Duration.ofSeconds(1))
        .backoff(Duration.ofSeconds(2), Duration.ofMinutes(1)).maxRetryAfter(Duration.ofMinutes(5))
        .giveUpAfter(Duration.ofHours(1)).breaker(70, Duration.ofSeconds(10)).build());
  }

  @Test
  void inFlight_defaultsToTheSinksDeclaredConcurrency() {
    SinkCapabilities caps = SinkCapabilities.builder().maxConcurrency(6).build();

    assertThat(DeliveryPolicy.DEFAULTS.inFlightFor(caps)).isEqualTo(6);
    assertThat(DeliveryPolicy.builder().inFlight(2).build().inFlightFor(caps)).isEqualTo(2);
    assertThat(DeliveryPolicy.builder().inFlight(2).inFlightFromSink().build().inFlightFor(caps)).isEqualTo(6);
  }

  @Test
  void build_refusesWhatIsOutOfRange_namingTheSetting() {
    assertThatThrownBy(() -> DeliveryPolicy.builder().inFlight(0).build()).hasMessageContaining("inFlight");
    assertThatThrownBy(() -> DeliveryPolicy.builder().backoff(Duration.ofMinutes(2), Duration.ofMinutes(1)).build())
        .hasMessageContaining("maxBackoff");
    assertThatThrownBy(() -> DeliveryPolicy.builder().breaker(0, Duration.ofSeconds(1)).build())
        .hasMessageContaining("breakerFailureRatePercent");
  }
}
