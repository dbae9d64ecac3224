package io.leadrouter.internal;

import java.time.Instant;
import java.time.LocalDate;

/**
 * {@link Instant#toString()} and {@link Instant#parse} for the journal's and the HTTPS body's timestamps, without the
 * general {@code DateTimeFormatter}: every lead's creation time is written when it is accepted and read back when it
 * is claimed, and {@code Instant.parse} was a third of a delivery worker's samples while it claimed from the journal
 * (profile of the shared harness at one caller). The output is exactly {@code Instant.toString()}'s; the parser takes
 * that form (years 0000 to 9999, a fraction of 0, 3, 6 or 9 digits, {@code Z}) and hands anything else to
 * {@code Instant.parse}, so what it accepts and refuses is unchanged. Internal: not API.
 */
public final class IsoInstants {
  private static final long MIN_FAST = LocalDate.of(0, 1, 1).toEpochDay() * 86_400L;
  private static final long MAX_FAST = LocalDate.of(10_000, 1, 1).toEpochDay() * 86_400L; // exclusive

  private IsoInstants() {}

  /** The same text as {@code instant.toString()}. */
  public static String format(Instant instant) {
    long seconds = instant.getEpochSecond();
    if (seconds < MIN_FAST || seconds >= MAX_FAST) {
      return instant.toString(); // signed or five-digit years
    }
    long days = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    LocalDate date = LocalDate.ofEpochDay(days);
    int nanos = instant.getNano();
    StringBuilder sb = new StringBuilder(30);
    digits(sb, date.getYear(), 4).append('-');
    digits(sb, date.getMonthValue(), 2).append('-');
    digits(sb, date.getDayOfMonth(), 2).append('T');
    digits(sb, secondOfDay / 3600, 2).append(':');
    digits(sb, secondOfDay / 60 % 60, 2).append(':');
    digits(sb, secondOfDay % 60, 2);
    if (nanos > 0) { // as ISO_INSTANT: as many digits as needed, in groups of three
      sb.append('.');
      if (nanos % 1_000_000 == 0) {
        digits(sb, nanos / 1_000_000, 3);
      } else if (nanos % 1_000 == 0) {
        digits(sb, nanos / 1_000, 6);
      } else {
        digits(sb, nanos, 9);
      }
    }
    return sb.append('Z').toString();
  }

  /** The same instant as {@code Instant.parse(text)}, which also throws what it throws. */
  public static Instant parse(CharSequence text) {
    int n = text.length();
    if (n < 20 || n > 30 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
        || text.charAt(13) != ':' || text.charAt(16) != ':' || text.charAt(n - 1) != 'Z') {
      return Instant.parse(text);
    }
    int year = number(text, 0, 4);
    int month = number(text, 5, 7);
    int day = number(text, 8, 10);
    int hour = number(text, 11, 13);
    int minute = number(text, 14, 16);
    int second = number(text, 17, 19);
    int nanos = 0;
    if (n > 20) {
      int digits = n - 21;
      if (text.charAt(19) != '.' || digits < 1 || digits > 9) {
        return Instant.parse(text);
      }
      nanos = number(text, 20, n - 1);
      for (int i = digits; i < 9 && nanos >= 0; i++) {
        nanos *= 10;
      }
    } else if (text.charAt(19) != 'Z') {
      return Instant.parse(text);
    }
    if ((year | hour | minute | second | nanos) < 0 || month < 1 || month > 12 || day < 1
        || day > 28 && day > LocalDate.of(year, month, 1).lengthOfMonth() || hour > 23 || minute > 59 || second > 59) {
      return Instant.parse(text); // out of range (or not digits): the JDK says what is wrong
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(epochDay * 86_400L + hour * 3600L + minute * 60L + second, nanos);
  }

  /** The decimal number in {@code [from, to)}, or -1 when a character is not an ASCII digit. */
  private static int number(CharSequence text, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static StringBuilder digits(StringBuilder sb, int value, int width) {
    String s = Integer.toString(value);
    for (int i = s.length(); i < width; i++) {
      sb.append('0');
    }
    return sb.append(s);
  }
}
