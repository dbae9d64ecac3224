package io.leadrouter.http;

import io.leadrouter.spi.RetryAfter;
import io.leadrouter.spi.Scrubber;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A destination's answer, read whole but bounded, with its connection already returned to the pool.
 *
 * @param status the HTTP status
 * @param body the body as UTF-8 text, at most the bound it was read with
 * @param headers the response headers
 * @param retryAfter the wait {@code Retry-After} asked for (see {@link RetryAfter}), if any
 */
public record HttpAnswer(int status, String body, Headers headers, Optional<Duration> retryAfter) {
  /** Checks the parts are present. */
  public HttpAnswer {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(retryAfter, "retryAfter");
  }

  /**
   * Shows the status, the body scrubbed ({@link Scrubber#standard()}: a destination's error often echoes the request's
   * credentials and the customer's data) and the headers' names only (their values may set a cookie or echo a token).
   */
  @Override
  public String toString() {
    return "HttpAnswer[status=" + status + ", body=" + Scrubber.standard().scrub(body) + ", headers="
        + headers.names() + ", retryAfter=" + retryAfter + "]";
  }

  /**
   * Runs {@code request} and reads its answer: at most {@code maxSuccessBytes} of a 2xx body, at most
   * {@link Bodies#MAX_ERROR_BYTES} of any other. A 2xx body that breaks off is no answer (an {@link IOException}): a
   * lookup cut short must not read as "no match"; an error body that breaks off is quoted as far as it came.
   *
   * @throws IOException when there is no answer, or a 2xx answer's body broke off (see {@link HttpFailures} for what
   *     it means)
   */
  public static HttpAnswer execute(OkHttpClient client, Request request, int maxSuccessBytes, Clock clock)
      throws IOException {
    try (Response response = client.newCall(request).execute()) {
      String body = response.isSuccessful()
          ? Bodies.utf8(Bodies.read(response.body(), maxSuccessBytes), maxSuccessBytes)
          : Bodies.text(response.body(), Bodies.MAX_ERROR_BYTES);
      return new HttpAnswer(response.code(), body, response.headers(), retryAfter(response, clock));
    }
  }

  /** The wait a response's {@code Retry-After} header asks for, if it has a readable one. */
  public static Optional<Duration> retryAfter(Response response, Clock clock) {
    return RetryAfter.parse(response.header("Retry-After"), clock);
  }

  /** Whether the status is 2xx. */
  public boolean successful() {
    return status >= 200 && status <= 299;
  }

  /** The first value of a header, if present. */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name));
  }
}
