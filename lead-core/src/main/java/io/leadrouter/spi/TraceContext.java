package io.leadrouter.spi;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The W3C trace context of the delivery attempt running on the current thread, for sinks to send on their outbound
 * calls ({@code traceparent} header), so the destination's side of the call joins the lead's trace. Set by the
 * router's tracer while a sink is called; empty when tracing is off.
 */
public final class TraceContext {
  /** The HTTP header (and W3C name) of the value. */
  public static final String TRACEPARENT = "traceparent";
  private static final Pattern VALID = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

  private TraceContext() {}

  /** The current attempt's {@code traceparent} ({@code 00-<trace id>-<span id>-<flags>}), if tracing is on. */
  public static Optional<String> traceparent() {
    return Optional.ofNullable(CURRENT.get());
  }

  /**
   * Makes {@code traceparent} current on this thread until the returned scope is closed (for tracers).
   *
   * @throws IllegalArgumentException if it is not a W3C version-00 {@code traceparent}
   */
  public static io.leadrouter.LeadTracer.Scope attach(String traceparent) {
    Objects.requireNonNull(traceparent, "traceparent");
    if (!VALID.matcher(traceparent).matches()) {
      throw new IllegalArgumentException("not a W3C traceparent: " + traceparent);
    }
    String previous = CURRENT.get();
    CURRENT.set(traceparent);
    return () -> {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    };
  }
}
