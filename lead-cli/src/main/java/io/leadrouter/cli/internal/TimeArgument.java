package io.leadrouter.cli.internal;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the {@code --since} and {@code --wait} arguments: an ISO time, an ISO date, or a duration like {@code 2h}. */
public final class TimeArgument {
  private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  private TimeArgument() {}

  /**
   * The instant {@code text} names: {@code 2026-11-25T10:15:30Z} (or with an offset), {@code 2026-11-25} (midnight
   * UTC), or a duration back from now ({@code 90s}, {@code 30m}, {@code 2h}, {@code 7d}, {@code PT2H}).
   *
   * @throws IllegalArgumentException saying which forms are understood
   */
  public static Instant since(String text, Clock clock) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(clock, "clock");
    Instant t = instant(text.strip(), clock);
    if (t == null) {
      throw new IllegalArgumentException("'" + text + "' is neither a time (2026-11-25T10:15:30Z), a date "
          + "(2026-11-25) nor a duration back from now (30m, 2h, 7d)");
    }
    try {
      t.toEpochMilli(); // the journal compares milliseconds: +999999999-12-31 or PT2562047788015215H overflowed
      return t;
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too far from now to be a time the journal holds: give"
          + " a time (2026-11-25T10:15:30Z), a date (2026-11-25) or a duration back from now (30m, 2h, 7d)");
    }
  }

  /** The instant {@code t} names, or null when it is none of the forms. */
  private static Instant instant(String t, Clock clock) {
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException e) {
      // not a time with offset: try the other forms
    }
    try {
      return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      // not a date
    }
    Duration back;
    try {
      back = duration(t);
    } catch (IllegalArgumentException e) {
      return null;
    }
    try {
      return clock.instant().minus(back);
    } catch (DateTimeException | ArithmeticException e) {
      return Instant.MIN; // before any time: reported as too far by the caller
    }
  }

  /**
   * How a wait reads in output: whole seconds as such ({@code 30s}), anything else in milliseconds ({@code 500ms},
   * {@code 1500ms}), so that a wait under a second does not read "0s".
   */
  public static String shown(Duration d) {
    long ms = Objects.requireNonNull(d, "d").toMillis();
    return ms % 1000 == 0 && ms != 0 ? ms / 1000 + "s" : ms + "ms";
  }

  /**
   * A duration: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d}, or ISO-8601 ({@code PT2H}).
   *
   * @throws IllegalArgumentException saying which forms are understood
   */
  public static Duration duration(String text) {
    String t = Objects.requireNonNull(text, "text").strip().toLowerCase(Locale.ROOT);
    Matcher m = SHORT.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      Duration d = Duration.parse(t.toUpperCase(Locale.ROOT));
      if (!d.isNegative()) {
        return d;
      }
    } catch (DateTimeParseException e) {
      // reported below
    }
    throw new IllegalArgumentException("'" + text + "' is not a duration: write e.g. 30s, 5m, 2h, 7d or PT2H");
  }
}
