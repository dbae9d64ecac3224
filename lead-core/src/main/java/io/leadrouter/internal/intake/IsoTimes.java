package io.leadrouter.internal.intake;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a sender's {@code CreatedTime} in every ISO 8601 / RFC 3339 form that names one instant: calendar, ordinal
 * ({@code 2026-329}) and week ({@code 2026-W48-3}) dates, extended or basic ({@code 20261125T101530Z}), a space for
 * the {@code T} (RFC 3339), minutes or seconds left out, a decimal comma, and the offset as {@code Z}, {@code +01},
 * {@code +01:00} or {@code +0100} (a minus sign U+2212 as ISO 8601 writes it). A time without an offset, or a date
 * alone, names no instant (which time zone is meant cannot be told): it is refused with that reason, never guessed.
 * Also the Microsoft JSON date of WCF and OData v2 services ({@code /Date(1795601730000)/}, in JSON often
 * {@code "\/Date(...)\/"}): milliseconds since 1970-01-01T00:00:00Z, one instant; a {@code +0100} after the number
 * only says the sender's zone and does not move it.
 */
public final class IsoTimes {
  private static final Pattern TIME = Pattern.compile(
      "(?<date>\\d{4}-?\\d{2}-?\\d{2}|\\d{4}-?\\d{3}|\\d{4}-?[Ww]\\d{2}-?\\d)"
          + "(?:[Tt ](?<h>\\d{2})(?::?(?<m>\\d{2})(?::?(?<s>\\d{2})(?:[.,](?<f>\\d{1,9}))?)?)?"
          + " ?(?<zone>[Zz]|[+\\-\u2212]\\d{2}(?::?\\d{2})?)?)?");
  private static final Pattern MS_JSON_DATE = Pattern.compile("/Date\\((?<ms>-?\\d{1,19})(?:[+-]\\d{4})?\\)/");
  private static final Instant FIRST = Instant.parse("0000-01-01T00:00:00Z");
  private static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999Z");
  private static final Pattern CALENDAR = Pattern.compile("(\\d{4})-?(\\d{2})-?(\\d{2})");
  private static final Pattern ORDINAL = Pattern.compile("(\\d{4})-?(\\d{3})");
  private static final Pattern WEEK = Pattern.compile("(\\d{4})-?[Ww](\\d{2})-?(\\d)");

  private IsoTimes() {}

  /** The instant {@code text} names (white space around it ignored), or why it names none. */
  public static Instant parse(String text) throws DateTimeException {
    String t = text.strip();
    try {
      return OffsetDateTime.parse(t).toInstant(); // the common form, as the JDK reads it
    } catch (DateTimeException e) {
      // read below
    }
    Matcher ms = MS_JSON_DATE.matcher(t);
    if (ms.matches()) {
      Instant at = null;
      try {
        at = Instant.ofEpochMilli(Long.parseLong(ms.group("ms")));
      } catch (NumberFormatException e) {
        // more than a long holds: out of range below
      }
      if (at == null || at.isBefore(FIRST) || at.isAfter(LAST)) { // the years an ISO 8601 time here can name
        throw new DateTimeException("is a Microsoft JSON date whose milliseconds are out of range: not within the"
            + " years 0000 to 9999 (write it like 2026-11-25T10:15:30Z)");
      }
      return at;
    }
    Matcher m = TIME.matcher(t);
    if (!m.matches()) {
      throw new DateTimeException("is not an ISO 8601 time (write it like 2026-11-25T10:15:30Z)");
    }
    if (m.group("h") == null) {
      throw new DateTimeException("is a date without a time and UTC offset, so which instant is meant cannot be told"
          + " (write it like 2026-11-25T10:15:30Z)");
    }
    if (m.group("zone") == null) {
      throw new DateTimeException("has no UTC offset (Z or +01:00), so which instant is meant cannot be told"
          + " (write it like 2026-11-25T10:15:30Z)");
    }
    LocalDate date = date(m.group("date")).orElseThrow(() -> new DateTimeException(
        "is not an ISO 8601 time: its date does not exist (write it like 2026-11-25T10:15:30Z)"));
    String zone = m.group("zone").replace('\u2212', '-').toUpperCase(Locale.ROOT);
    if (zone.length() == 5) {
      zone = zone.substring(0, 3) + ":" + zone.substring(3); // +0100
    }
    String extended = date + "T" + m.group("h") + ":" + (m.group("m") == null ? "00" : m.group("m"))
        + ":" + (m.group("s") == null ? "00" : m.group("s")) + (m.group("f") == null ? "" : "." + m.group("f"))
        + zone;
    try {
      return OffsetDateTime.parse(extended).toInstant();
    } catch (DateTimeException e) {
      throw new DateTimeException("is not an ISO 8601 time: a field is out of range (write it like"
          + " 2026-11-25T10:15:30Z)");
    }
  }

  private static Optional<LocalDate> date(String text) {
    try {
      Matcher m = CALENDAR.matcher(text);
      if (m.matches()) {
        return Optional.of(LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(3))));
      }
      m = ORDINAL.matcher(text);
      if (m.matches()) {
        return Optional.of(LocalDate.ofYearDay(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
      }
      m = WEEK.matcher(text);
      if (m.matches()) {
        int week = Integer.parseInt(m.group(2));
        LocalDate monday = LocalDate.of(Integer.parseInt(m.group(1)), 1, 4)
            .with(TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY));
        if (week < 1 || week > monday.range(IsoFields.WEEK_OF_WEEK_BASED_YEAR).getMaximum()) {
          return Optional.empty();
        }
        int day = Integer.parseInt(m.group(3));
        return day < 1 || day > 7 ? Optional.empty() : Optional.of(monday.plusWeeks(week - 1L).plusDays(day - 1L));
      }
    } catch (DateTimeException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
