package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OverlapRecorderTest {
  @Test
  void twoRequestsOfOneCustomerAtOnce_countAsAnOverlap_whateverTheCase() {
    OverlapRecorder r = new OverlapRecorder();
    r.start("customer1@contoso.example");
    r.start(" Customer1@Contoso.example");
    r.start("customer2@contoso.example");
    r.end("customer1@contoso.example");
    r.end("customer1@contoso.example");
    r.end("customer2@contoso.example");

    assertThat(r.overlaps()).isEqualTo(1);
    assertThat(r.maxInFlight("CUSTOMER1@contoso.example")).isEqualTo(2);
    assertThat(r.maxInFlight("customer2@contoso.example")).isEqualTo(1);
    assertThat(r.maxInFlightPerKey()).isEqualTo(2);
    assertThat(r.maxConcurrent()).isEqualTo(3);
    assertThat(r.keys()).isEqualTo(2);
    assertThat(r.requests()).isEqualTo(3);
  }

  @Test
  void oneAfterAnother_isNoOverlap() {
    OverlapRecorder r = new OverlapRecorder();
    for (int i = 0; i < 3; i++) {
      assertThat(r.during("customer1@contoso.example", () -> "answer")).isEqualTo("answer");
    }
    assertThat(r.overlaps()).isZero();
    assertThat(r.maxInFlightPerKey()).isEqualTo(1);
    assertThat(r.toString()).isEqualTo("overlaps=0, maxInFlightPerKey=1, maxConcurrent=1, keys=1, requests=3");
  }

  @Test
  void during_releasesTheKeyWhenTheWorkFails() {
    OverlapRecorder r = new OverlapRecorder();
    assertThatThrownBy(() -> r.during("a@contoso.example", () -> {
      throw new IllegalStateException("boom");
    })).hasMessage("boom");
    r.start("a@contoso.example");
    assertThat(r.overlaps()).isZero();
  }

  @Test
  void endWithoutStart_isAFakeBug() {
    assertThatThrownBy(() -> new OverlapRecorder().end("a@contoso.example"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("without a start");
  }
}
