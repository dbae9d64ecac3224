package io.leadrouter.spi;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.SignStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The one reader of a destination's {@code Retry-After} header, shared by every sink: the two forms of
 * <a href="https://www.rfc-editor.org/rfc/rfc9110#name-retry-after">RFC 9110 §10.2.3</a>, delay-seconds
 * ({@code 120}) and an HTTP-date ({@code Wed, 21 Oct 2015 07:28:00 GMT}; the obsolete RFC 850 and asctime forms,
 * which §5.6.7 says recipients must accept, too), turned into a wait measured against a clock and clamped to
 * {@code [0, }{@link #CEILING}{@code ]}. The router clamps further with {@code DeliveryPolicy.maxRetryAfter()}.
 */
public final class RetryAfter {
  /** The longest wait this parser returns: a larger or overflowing answer means "much later", not "never". */
  public static final Duration CEILING = Duration.ofDays(1);

  // RFC 9110 §5.6.7: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT"
  private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.RFC_1123_DATE_TIME;
  // obsolete RFC 850 form "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit year: RFC 9110 says within 50 years)
  private static final DateTimeFormatter RFC_850 = new DateTimeFormatterBuilder().parseCaseInsensitive()
      .appendPattern("EEEE, dd-MMM-").appendValueReduced(ChronoField.YEAR, 2, 2, 1970)
      .appendPattern(" HH:mm:ss 'GMT'").toFormatter(Locale.US);
  // obsolete asctime form "Sun Nov  6 08:49:37 1994"
  private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
      .appendPattern("EEE MMM ").padNext(2).appendValue(ChronoField.DAY_OF_MONTH, 1, 2, SignStyle.NOT_NEGATIVE)
      .appendPattern(" HH:mm:ss yyyy").toFormatter(Locale.US);

  private RetryAfter() {}

  /**
   * The wait a {@code Retry-After} value asks for: delay-seconds, or the time from {@code clock}'s now until an
   * HTTP-date (zero if it has passed); clamped to {@link #CEILING}. Empty when the value is absent, blank or in
   * neither form (a sink then falls back to the router's backoff).
   *
   * @param value the header's value, or null when the response had none
   * @param clock the time an HTTP-date is measured from
   */
  public static Optional<Duration> parse(String value, Clock clock) {
    Objects.requireNonNull(clock, "clock");
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String v = value.strip();
    if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      // more digits than a long holds is still a (very long) wait
      return Optional.of(v.length() > 18 ? CEILING : clamp(Duration.ofSeconds(Long.parseLong(v))));
    }
    return date(v).map(at -> at.isAfter(clock.instant()) ? clamp(Duration.between(clock.instant(), at))
        : Duration.ZERO);
  }

  private static Optional<Instant> date(String v) {
    for (DateTimeFormatter f : new DateTimeFormatter[] {IMF_FIXDATE, RFC_850, ASCTIME}) {
      try {
        return Optional.of(f == IMF_FIXDATE ? f.parse(v, Instant::from)
            : LocalDateTime.parse(v, f).toInstant(ZoneOffset.UTC));
      } catch (DateTimeParseException e) {
        // try the next form
      } catch (DateTimeException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static Duration clamp(Duration d) {
    return d.compareTo(CEILING) > 0 ? CEILING : d;
  }
}
