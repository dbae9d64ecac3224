package io.leadrouter.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 9110 §10.2.3 and §5.6.7: delay-seconds and the three HTTP-date forms. */
class RetryAfterTest {
  // 1994-11-06T08:49:00Z, the RFC's own example date minus 37 s
  private final Clock clock = Clock.fixed(Instant.parse("1994-11-06T08:49:00Z"), ZoneOffset.UTC);

  @Test
  void delaySeconds_isTheWait() {
    assertThat(RetryAfter.parse("120", clock)).contains(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse(" 0 ", clock)).contains(Duration.ZERO);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
      "Sun Nov  6 08:49:37 1994"})
  void httpDate_anyOfTheThreeForms_isMeasuredFromTheClock(String date) {
    assertThat(RetryAfter.parse(date, clock)).contains(Duration.ofSeconds(37));
  }

  @Test
  void httpDate_inThePast_isNoWait() {
    assertThat(RetryAfter.parse("Sat, 05 Nov 1994 08:49:37 GMT", clock)).contains(Duration.ZERO);
  }

  @Test
  void hugeValues_areClampedToTheCeiling() {
    assertThat(RetryAfter.parse("999999", clock)).contains(RetryAfter.CEILING);
    assertThat(RetryAfter.parse("99999999999999999999999", clock)).contains(RetryAfter.CEILING);
    assertThat(RetryAfter.parse("Fri, 31 Dec 2100 23:59:59 GMT", clock)).contains(RetryAfter.CEILING);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "-5", "1.5", "soon", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994"})
  void unreadable_isEmpty(String value) {
    assertThat(RetryAfter.parse(value, clock)).isEmpty();
  }

  @Test
  void absent_isEmpty() {
    assertThat(RetryAfter.parse(null, clock)).isEmpty();
  }
}
