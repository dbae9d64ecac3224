package io.leadrouter.https.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import okhttp3.ResponseBody;

/** Reads what the sink needs from a response, never more than a bounded number of bytes. */
public final class Responses {
  /** Most bytes of any response body read: a receiver's answer never needs more. */
  public static final int MAX_BODY_BYTES = 64 * 1024;
  /** Most bytes of an error body quoted in a diagnosis. */
  public static final int QUOTED_BYTES = 1024;

  private Responses() {}

  /** At most {@code max} bytes of the body (fewer if it is shorter); empty if it cannot be read. */
  public static byte[] prefix(ResponseBody body, int max) {
    try (InputStream in = body.byteStream()) {
      return in.readNBytes(max);
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /**
   * The first {@link #QUOTED_BYTES} of the body as text fit for a message: UTF-8 (a character cut at the limit is
   * dropped), control characters as spaces, trimmed.
   */
  public static String quote(byte[] body) {
    int n = Math.min(body.length, QUOTED_BYTES);
    // do not end inside a multi-byte UTF-8 sequence
    if (n < body.length) {
      while (n > 0 && (body[n] & 0xc0) == 0x80) {
        n--;
      }
    }
    return new String(body, 0, n, StandardCharsets.UTF_8).replaceAll("[\\p{Cntrl}&&[^\t]]", " ").strip();
  }

  /**
   * The {@code Retry-After} header as a wait: delta-seconds or an HTTP-date (RFC 9110, IMF-fixdate), measured
   * against {@code clock} and never negative; empty when absent or unreadable.
   */
  public static Optional<Duration> retryAfter(String header, Clock clock) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String v = header.strip();
    if (v.chars().allMatch(Character::isDigit)) {
      try {
        return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
      } catch (NumberFormatException e) {
        return Optional.empty(); // more digits than a long: not a usable hint
      }
    }
    try {
      Duration d = Duration.between(clock.instant(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)
          .toInstant());
      return Optional.of(d.isNegative() ? Duration.ZERO : d);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
