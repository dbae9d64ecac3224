package io.leadrouter.http.internal;

import io.leadrouter.spi.RetryAfter;
import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Keeps OkHttp's own follow-up logic away from a 503's {@code Retry-After}, which only the sink may act on. OkHttp
 * re-sends the request by itself when a 503 says {@code Retry-After: 0} (whatever {@code retryOnConnectionFailure}
 * says: a create sent twice, unseen by the sink, past its call budget), and reads the value with
 * {@code Integer.valueOf}, so a 503 with more delay-seconds than an {@code int} holds ({@code 99999999999}) threw a
 * {@code NumberFormatException} out of the call: the delivery failed as a bare sink error naming no destination.
 * As a network interceptor it rewrites such a value, before OkHttp sees it, to one {@link RetryAfter} reads the same:
 * zero seconds as an HTTP-date long past (a wait of zero), a value beyond {@link RetryAfter#CEILING} as the ceiling.
 * Internal: not API.
 */
public final class RetryAfterInterceptor implements Interceptor {
  /** The one instance. */
  public static final RetryAfterInterceptor INSTANCE = new RetryAfterInterceptor();
  /** An HTTP-date long past: {@link RetryAfter} reads it as no wait, as it reads {@code 0}. */
  static final String PAST = "Thu, 01 Jan 1970 00:00:00 GMT";

  private RetryAfterInterceptor() {}

  @Override
  public Response intercept(Chain chain) throws IOException {
    Response response = chain.proceed(chain.request());
    String value = response.code() == 503 ? response.header("Retry-After") : null;
    String safe = value == null ? null : safe(value);
    return safe == null ? response : response.newBuilder().header("Retry-After", safe).build();
  }

  /** The value to send on in place of {@code value}, or null when OkHttp may read it as it is. */
  static String safe(String value) {
    String v = value.strip();
    if (v.isEmpty() || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null; // OkHttp reads anything but digits as "not now"
    }
    String digits = v.replaceFirst("^0+(?=.)", "");
    if (digits.equals("0")) {
      return PAST;
    }
    return digits.length() > 9 ? Long.toString(RetryAfter.CEILING.toSeconds()) : null;
  }
}
