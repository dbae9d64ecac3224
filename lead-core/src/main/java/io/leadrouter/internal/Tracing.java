package io.leadrouter.internal;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadTracer;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's side of a {@link LeadTracer}: every call guarded, so that a failing tracer is logged and never
 * affects routing or delivery. Internal: not API.
 */
public final class Tracing {
  private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
  /** Traces nothing. */
  public static final Tracing NONE = new Tracing(LeadTracer.NONE);

  private final LeadTracer tracer;

  /** Guards {@code tracer}. */
  public Tracing(LeadTracer tracer) {
    this.tracer = Objects.requireNonNull(tracer, "tracer");
  }

  /** Starts the trace of a route() call. */
  public LeadTracer.RouteTrace startRoute(Lead lead) {
    if (tracer == LeadTracer.NONE) {
      return LeadTracer.RouteTrace.NONE;
    }
    try {
      return new GuardedRoute(tracer.startRoute(lead));
    } catch (Throwable e) { // NOPMD: an Error too (see warn)
      warn(e);
      return LeadTracer.RouteTrace.NONE;
    }
  }

  /** Starts one attempt's trace per claimed lead. */
  public List<LeadTracer.AttemptTrace> startAttempts(List<LeadId> leads, String destination, List<Integer> attempts,
      List<Optional<String>> contexts) {
    if (tracer == LeadTracer.NONE) {
      return java.util.Collections.nCopies(leads.size(), LeadTracer.AttemptTrace.NONE);
    }
    LeadTracer.AttemptTrace[] out = new LeadTracer.AttemptTrace[leads.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        out[i] = new GuardedAttempt(tracer.startAttempt(leads.get(i), destination, attempts.get(i), contexts.get(i)));
      } catch (Throwable e) { // NOPMD: an Error too (see warn)
        warn(e);
        out[i] = LeadTracer.AttemptTrace.NONE;
      }
    }
    return List.of(out);
  }

  /** Ends each attempt with what its lead's result says. */
  public static void end(List<LeadTracer.AttemptTrace> traces, List<BatchItemResult> results) {
    for (int i = 0; i < traces.size(); i++) {
      BatchItemResult r = results.get(i);
      if (r.result().isPresent()) {
        traces.get(i).end(r.result().get().outcome() == DeliveryOutcome.HANDED_OFF ? "handed_off" : "delivered",
            Optional.empty());
        continue;
      }
      DeliveryException failure = r.failure().orElseThrow();
      String outcome = failure instanceof PermanentDeliveryException ? "permanent_failure"
          : failure instanceof QuotaExceededException ? "quota_exceeded" : "transient_failure";
      traces.get(i).end(outcome, failure.diagnosis());
    }
  }

  /**
   * Logs a tracer's failure: an {@link Error} too (an OpenTelemetry jar of another version throws
   * {@code NoSuchMethodError}), which used to fail every route() (after the lead was committed, at its end) or kill the
   * delivery thread between the sink's answer and its record, so the lead was delivered again when its lease ended.
   */
  private static void warn(Throwable e) {
    LOG.warn("the lead tracer failed; tracing is skipped for this call: {}", e.toString());
  }

  private record GuardedRoute(LeadTracer.RouteTrace trace) implements LeadTracer.RouteTrace {
    @Override
    public Optional<String> traceContext() {
      try {
        return trace.traceContext();
      } catch (Throwable e) { // NOPMD: an Error too (see warn)
        warn(e);
        return Optional.empty();
      }
    }

    @Override
    public void accepted(List<String> destinations, boolean duplicate) {
      try {
        trace.accepted(destinations, duplicate);
      } catch (Throwable e) { // NOPMD: an Error too (see warn)
        warn(e);
      }
    }

    @Override
    public void failed(RuntimeException error) {
      try {
        trace.failed(error);
      } catch (Throwable e) { // NOPMD: an Error too (see warn)
        warn(e);
      }
    }

    @Override
    public void close() {
      try {
        trace.close();
      } catch (Throwable e) { // NOPMD: an Error too (see warn)
        warn(e);
      }
    }
  }

  private record GuardedAttempt(LeadTracer.AttemptTrace trace) implements LeadTracer.AttemptTrace {
    @Override
    public LeadTracer.Scope makeCurrent() {
      try {
        LeadTracer.Scope scope = trace.makeCurrent();
        return () -> {
          try {
            scope.close();
          } catch (Throwable e) { // NOPMD: an Error too (see warn)
            warn(e);
          }
        };
      } catch (Throwable e) { // NOPMD: an Error too (see warn)
        warn(e);
        return () -> {};
      }
    }

    @Override
    public void end(String outcome, Optional<Diagnosis> diagnosis) {
      try {
        trace.end(outcome, diagnosis);
      } catch (Throwable e) { // NOPMD: an Error too (see warn)
        warn(e);
      }
    }
  }
}
