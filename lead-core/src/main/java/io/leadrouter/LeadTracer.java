package io.leadrouter;

import io.leadrouter.spi.Diagnosis;
import java.util.List;
import java.util.Optional;

/**
 * Traces {@link LeadRouter#route(Lead)} and each delivery attempt: the seam a tracing system plugs into
 * ({@link io.leadrouter.otel.OpenTelemetryTracing} for OpenTelemetry), given with
 * {@link LeadRouterBuilder#tracer(LeadTracer)}. The trace context of a route is stored with the lead in the
 * journal, so a delivery attempt hours later joins the trace of the request that accepted the lead. Implementations
 * must be fast and thread-safe; an exception they throw is logged and ignored, never affecting routing or delivery.
 */
public interface LeadTracer {
  /** Traces nothing (the default). */
  LeadTracer NONE = new LeadTracer() {};

  /** Starts tracing a {@code route(lead)} call on the caller's thread; closed when the call returns or throws. */
  default RouteTrace startRoute(Lead lead) {
    return RouteTrace.NONE;
  }

  /**
   * Starts tracing one delivery attempt on the thread that will call the sink.
   *
   * @param lead the lead delivered
   * @param destination the sink's name
   * @param attempt 1 for the first attempt, counting every attempt since acceptance or the last replay
   * @param traceContext the W3C {@code traceparent} stored with the lead when it was routed, if any
   */
  default AttemptTrace startAttempt(LeadId lead, String destination, int attempt, Optional<String> traceContext) {
    return AttemptTrace.NONE;
  }

  /** A traced {@code route()} call. */
  interface RouteTrace extends AutoCloseable {
    /** Traces nothing. */
    RouteTrace NONE = new RouteTrace() {};

    /** The W3C {@code traceparent} to store with the lead, so that its deliveries join this trace. */
    default Optional<String> traceContext() {
      return Optional.empty();
    }

    /** The lead is durable, for these destinations; {@code duplicate} when it had been accepted before. */
    default void accepted(List<String> destinations, boolean duplicate) {}

    /** The call failed (invalid lead, no route, journal error). */
    default void failed(RuntimeException error) {}

    /** Ends the trace of the call. */
    @Override
    default void close() {}
  }

  /** A traced delivery attempt. */
  interface AttemptTrace {
    /** Traces nothing. */
    AttemptTrace NONE = new AttemptTrace() {};

    /**
     * Makes the attempt current on this thread while the sink runs, so that outbound calls carry its context (see
     * {@link io.leadrouter.spi.TraceContext}); the returned scope restores the previous context.
     */
    default Scope makeCurrent() {
      return () -> {};
    }

    /**
     * Ends the attempt.
     *
     * @param outcome what the destination answered: {@code delivered}, {@code handed_off}, {@code transient_failure},
     *     {@code quota_exceeded} or {@code permanent_failure}
     * @param diagnosis the failure's Diagnosis, if it has one
     */
    default void end(String outcome, Optional<Diagnosis> diagnosis) {}
  }

  /** A context made current; closing restores the previous one. */
  @FunctionalInterface
  interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
