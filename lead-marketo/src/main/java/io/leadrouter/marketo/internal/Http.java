package io.leadrouter.marketo.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import okhttp3.Call;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/** Runs one HTTP call and reads its answer, bounded, always closing the body. */
public final class Http {
  /** Most bytes read of a 200 body (300 results are a few tens of KiB). */
  public static final int MAX_OK_BODY = 4 * 1024 * 1024;
  /** Most bytes read of an error body. */
  public static final int MAX_ERROR_BODY = 8 * 1024;

  private Http() {}

  /**
   * An HTTP answer.
   *
   * @param status the HTTP status
   * @param body the body (bounded), as text
   * @param retryAfter the {@code Retry-After} header in seconds, if sent
   */
  public record Answer(int status, String body, Optional<Duration> retryAfter) {}

  /** Executes {@code request}; throws the {@link IOException} OkHttp raises when there is no answer. */
  public static Answer execute(OkHttpClient client, Request request) throws IOException {
    Call call = client.newCall(request);
    try (Response response = call.execute()) {
      int limit = response.code() == 200 ? MAX_OK_BODY : MAX_ERROR_BODY;
      ResponseBody body = response.body();
      byte[] bytes;
      try (InputStream in = body.byteStream()) {
        bytes = in.readNBytes(limit);
      }
      return new Answer(response.code(), new String(bytes, StandardCharsets.UTF_8),
          retryAfter(response.header("Retry-After")));
    }
  }

  /** {@code Retry-After} in delta-seconds form; the HTTP-date form is ignored (Marketo does not send it). */
  static Optional<Duration> retryAfter(String value) {
    if (value == null) {
      return Optional.empty();
    }
    try {
      long seconds = Long.parseLong(value.strip());
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The module's shared client, used when the application registered none. */
  public static OkHttpClient sharedClient() {
    return Shared.CLIENT;
  }

  /** Raises {@code client}'s per-host limit to at least {@code concurrency} (OkHttp's default is 5). */
  public static void ensurePerHost(OkHttpClient client, int concurrency) {
    Dispatcher d = client.dispatcher(); // its setters synchronize themselves (and refuse a held lock)
    if (d.getMaxRequestsPerHost() < concurrency) {
      d.setMaxRequestsPerHost(concurrency);
    }
  }

  /** First text of a body, for messages: one line, at most 300 characters. */
  public static String snippet(String body) {
    String oneLine = body.replaceAll("\\s+", " ").strip();
    return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
  }

  private static final class Shared {
    static final OkHttpClient CLIENT;

    static {
      Dispatcher dispatcher = new Dispatcher();
      dispatcher.setMaxRequestsPerHost(10);
      CLIENT = new OkHttpClient.Builder().dispatcher(dispatcher).build();
    }
  }
}
