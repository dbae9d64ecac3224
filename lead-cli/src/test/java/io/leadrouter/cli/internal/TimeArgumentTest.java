package io.leadrouter.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TimeArgumentTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);

  @Test
  void since_isoTimeWithOffset_isThatInstant() {
    assertThat(TimeArgument.since("2026-11-25T10:15:30+01:00", CLOCK)).isEqualTo("2026-11-25T09:15:30Z");
  }

  @Test
  void shown_underASecondOrNotWholeSeconds_inMilliseconds() {
    assertThat(TimeArgument.shown(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(TimeArgument.shown(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(TimeArgument.shown(Duration.ZERO)).isEqualTo("0ms");
    assertThat(TimeArgument.shown(Duration.ofSeconds(30))).isEqualTo("30s");
    assertThat(TimeArgument.shown(Duration.ofHours(24))).isEqualTo("86400s");
  }

  @Test
  void since_date_isMidnightUtc() {
    assertThat(TimeArgument.since("2026-11-24", CLOCK)).isEqualTo("2026-11-24T00:00:00Z");
  }

  @Test
  void since_shortDurations_countBackFromNow() {
    assertThat(TimeArgument.since("2h", CLOCK)).isEqualTo("2026-11-25T10:00:00Z");
    assertThat(TimeArgument.since("30m", CLOCK)).isEqualTo("2026-11-25T11:30:00Z");
    assertThat(TimeArgument.since("7d", CLOCK)).isEqualTo("2026-11-18T12:00:00Z");
    assertThat(TimeArgument.since("PT90S", CLOCK)).isEqualTo("2026-11-25T11:58:30Z");
  }

  @Test
  void since_nonsense_explainsTheForms() {
    assertThatThrownBy(() -> TimeArgument.since("yesterday", CLOCK)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'yesterday' is neither a time (2026-11-25T10:15:30Z), a date (2026-11-25) nor a duration back "
            + "from now (30m, 2h, 7d)");
  }

  @Test
  void duration_forms_parsed() {
    assertThat(TimeArgument.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(TimeArgument.duration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(TimeArgument.duration("0s")).isZero();
  }

  @Test
  void duration_negativeOrUnknownUnit_rejected() {
    assertThatThrownBy(() -> TimeArgument.duration("-PT1S")).hasMessage(
        "'-PT1S' is not a duration: write e.g. 30s, 5m, 2h, 7d or PT2H");
    assertThatThrownBy(() -> TimeArgument.duration("3w")).hasMessage(
        "'3w' is not a duration: write e.g. 30s, 5m, 2h, 7d or PT2H");
  }

  @Test
  void since_tooFarForTheJournalsMilliseconds_explainedNotOverflowing() {
    for (String far : new String[] {"+999999999-12-31T00:00Z", "-999999999-01-01T00:00Z", "PT2562047788015215H"}) {
      assertThatThrownBy(() -> TimeArgument.since(far, CLOCK)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("'" + far + "' is too far from now to be a time the journal holds");
    }
    assertThat(TimeArgument.since("999999999d", CLOCK)).isEqualTo(CLOCK.instant().minus(Duration.ofDays(999999999)));
  }
}
