package io.leadrouter.marketo.internal;

import io.leadrouter.spi.ExplainedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;

/**
 * Turns the OkHttp request a sink built into what {@code explain} shows (the same in each HTTP sink module until they
 * share one HTTP toolkit). Internal.
 */
public final class ExplainRequests {
  private ExplainRequests() {}

  /**
   * The request's method, URL, headers, and body with the {@code Content-Type} and {@code Content-Length} OkHttp
   * derives from it.
   */
  public static ExplainedRequest.Builder of(Request request) {
    ExplainedRequest.Builder b = ExplainedRequest.builder(request.method(), request.url().toString());
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
}
