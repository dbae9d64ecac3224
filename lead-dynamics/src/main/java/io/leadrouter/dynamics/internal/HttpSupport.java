package io.leadrouter.dynamics.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/** Small HTTP helpers shared by the token client and the sink. */
public final class HttpSupport {
  /** Most bytes of an error body read: enough for any Entra or Dataverse error, never a whole page. */
  public static final int MAX_ERROR_BYTES = 8 * 1024;

  private HttpSupport() {}

  /** Reads at most {@link #MAX_ERROR_BYTES} of the body as UTF-8 (the caller closes the response). */
  public static String boundedBody(Response response) {
    ResponseBody body = response.body();
    try {
      BufferedSource source = body.source();
      source.request(MAX_ERROR_BYTES);
      long n = Math.min(source.getBuffer().size(), MAX_ERROR_BYTES);
      return source.getBuffer().readString(n, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The {@code Retry-After} header as a duration: delta seconds or an HTTP date (clamped at zero). */
  public static Optional<Duration> retryAfter(Response response, Clock clock) {
    String value = response.header("Retry-After");
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String v = value.strip();
    try {
      return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v))));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(clock.instant(), at.toInstant());
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (DateTimeParseException e2) {
        return Optional.empty();
      }
    }
  }
}
