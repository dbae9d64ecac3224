package io.leadrouter.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryQuery;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RequireTest {
  @Test
  void atLeast_returnsTheValue_orRefusesNamingItAndTheBound() {
    assertThat(Require.atLeast(1, 1, "maxBatch")).isEqualTo(1);
    assertThat(Require.atLeast(0, 0, "heldReceipts")).isZero();
    assertThatThrownBy(() -> Require.atLeast(0, 1, "maxBatch")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBatch must be >= 1: 0");
    assertThatThrownBy(() -> Require.atLeast(-1, 0, "heldReceipts")).hasMessage("heldReceipts must be >= 0: -1");
  }

  @Test
  void positive_returnsTheValue_orRefusesZeroNegativeAndNull() {
    assertThat(Require.positive(Duration.ofMillis(1), "lease")).isEqualTo(Duration.ofMillis(1));
    assertThatThrownBy(() -> Require.positive(Duration.ZERO, "lease")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lease must be positive: PT0S");
    assertThatThrownBy(() -> Require.positive(Duration.ofSeconds(-1), "period"))
        .hasMessage("period must be positive: PT-1S");
    assertThatThrownBy(() -> Require.positive(null, "retention")).isInstanceOf(NullPointerException.class)
        .hasMessage("retention");
  }

  @Test
  void theBuildersAndRecordsUsingIt_refuseWithItsWords() {
    assertThatThrownBy(() -> LeadRouter.builder().heldReceipts(-1)).hasMessage("heldReceipts must be >= 0: -1");
    assertThatThrownBy(() -> new SinkCapabilities.RateLimit(1, Duration.ZERO))
        .hasMessage("period must be positive: PT0S");
    assertThatThrownBy(() -> DeliveryQuery.pending().limit(0)).hasMessage("limit must be >= 1: 0");
  }
}
