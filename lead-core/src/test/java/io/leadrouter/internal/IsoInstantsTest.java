package io.leadrouter.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IsoInstantsTest {

  @Test
  void formatsAndParsesExactlyAsTheJdkAcrossTheRange() {
    SplittableRandom random = new SplittableRandom(42);
    long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int i = 0; i < 20_000; i++) {
      long seconds = random.nextLong(min, max + 1);
      int nanos = switch (i % 4) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        default -> random.nextInt(1_000_000_000);
      };
      Instant instant = Instant.ofEpochSecond(seconds, nanos);
      String text = IsoInstants.format(instant);
      assertThat(text).isEqualTo(instant.toString());
      assertThat(IsoInstants.parse(text)).isEqualTo(instant);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"1970-01-01T00:00:00Z", "2026-11-25T10:15:30Z", "2024-02-29T23:59:59.999999999Z",
      "2026-11-25T10:15:30.5Z", "2026-11-25T10:15:30.12Z", "2026-11-25T10:15:30.1234Z", "0000-01-01T00:00:00Z",
      "9999-12-31T23:59:59.001Z", "+10000-01-01T00:00:00Z", "-0001-12-31T23:59:59Z", "1969-12-31T23:59:59.999Z",
      "2026-06-30T23:59:60Z", "2026-11-25T24:00:00Z", "2026-11-25T10:15:30.Z", "2026-11-25t10:15:30z"})
  void parsesWhatTheJdkParses(String text) {
    assertThat(IsoInstants.parse(text)).isEqualTo(Instant.parse(text));
    Instant i = Instant.parse(text);
    assertThat(IsoInstants.format(i)).isEqualTo(i.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
      "2026-11-25T10:60:00Z", "2026-11-25T10:15:30.1234567890Z",
      "2026-11-25 10:15:30Z", "2026-11-25T10:15:30", "2026-1a-25T10:15:30Z", "",
      "2026-11-25T1٣:15:30Z"})
  void refusesWhatTheJdkRefuses(String text) {
    assertThatThrownBy(() -> Instant.parse(text)).isInstanceOf(DateTimeParseException.class);
    assertThatThrownBy(() -> IsoInstants.parse(text)).isInstanceOf(DateTimeParseException.class);
  }
}
