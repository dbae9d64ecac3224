package io.leadrouter.http.internal;

import io.leadrouter.spi.TraceContext;
import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Sends the current delivery attempt's W3C {@code traceparent} ({@link TraceContext}) with every call of a sink, so
 * the destination's side joins the lead's trace. A header already set (by the application or an agent) is kept.
 * Internal: not API.
 */
public final class TraceparentInterceptor implements Interceptor {
  /** The one instance. */
  public static final TraceparentInterceptor INSTANCE = new TraceparentInterceptor();

  private TraceparentInterceptor() {}

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (request.header(TraceContext.TRACEPARENT) == null) {
      String traceparent = TraceContext.traceparent().orElse(null);
      if (traceparent != null) {
        request = request.newBuilder().header(TraceContext.TRACEPARENT, traceparent).build();
      }
    }
    return chain.proceed(request);
  }
}
