package io.leadrouter.http;

import io.leadrouter.spi.ExplainedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;

/**
 * Turns the OkHttp request a sink built for {@code deliver} into what {@code LeadSink.explain} shows, so both come
 * from one request builder.
 */
public final class ExplainRequests {
  private ExplainRequests() {}

  /**
   * The request's method, URL, headers, and body with the {@code Content-Type} and {@code Content-Length} OkHttp
   * derives from it. Put {@link ExplainedRequest#REDACTED} where the request carries a credential.
   */
  public static ExplainedRequest.Builder of(Request request) {
    return of(request, request.url().toString());
  }

  /** Like {@link #of(Request)}, showing the URL as {@code shownUrl} (e.g. {@link #redactQuery}). */
  public static ExplainedRequest.Builder of(Request request, String shownUrl) {
    ExplainedRequest.Builder b = ExplainedRequest.builder(request.method(), shownUrl);
    Headers h = request.headers();
    for (int i = 0; i < h.size(); i++) {
      b.header(h.name(i), h.value(i));
    }
    RequestBody body = request.body();
    if (body != null) {
      Buffer buffer = new Buffer();
      try {
        body.writeTo(buffer);
      } catch (IOException e) {
        throw new UncheckedIOException("an in-memory body cannot fail to write", e);
      }
      MediaType type = body.contentType();
      if (type != null && h.get("Content-Type") == null) {
        b.header("Content-Type", type.toString());
      }
      b.header("Content-Length", Long.toString(buffer.size()));
      b.body(buffer.readByteArray());
    }
    return b;
  }

  /** The URL with user info dropped and every query value (receivers' tokens travel there) shown as {@link ExplainedRequest#REDACTED}. */
  public static String redactQuery(HttpUrl url) {
    String plain = url.newBuilder().username("").password("").query(null).build().toString();
    if (url.querySize() == 0) {
      return plain;
    }
    StringBuilder s = new StringBuilder(plain).append('?');
    for (int i = 0; i < url.querySize(); i++) {
      s.append(i == 0 ? "" : "&").append(url.queryParameterName(i))
          .append(url.queryParameterValue(i) == null ? "" : "=" + ExplainedRequest.REDACTED);
    }
    return s.toString();
  }
}
