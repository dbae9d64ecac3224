package io.leadrouter.otel;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadTracer;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.TraceContext;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * OpenTelemetry tracing for a router (the OpenTelemetry API is an optional dependency: add
 * {@code io.opentelemetry:opentelemetry-api} to use this; nothing of it is loaded otherwise). One span per
 * {@code route()} call ({@value #ROUTE_SPAN}, kind {@code PRODUCER}) and one per delivery attempt
 * ({@code deliver <destination>}, kind {@code CONSUMER}), whose parent is the route's context stored with the lead
 * in the journal: a delivery hours later is in the trace of the request that accepted the lead. While a sink runs,
 * the attempt is the current context, and sinks send it as the W3C {@code traceparent} header. Attributes carry
 * the lead id, destination, attempt number, outcome and Diagnosis code ({@code error.type}); never lead content.
 *
 * <pre>{@code LeadRouter.builder()...tracer(OpenTelemetryTracing.create(openTelemetry)).build()}</pre>
 */
public final class OpenTelemetryTracing implements LeadTracer {
  /** The instrumentation scope name. */
  public static final String SCOPE = "io.leadrouter";
  /** The name of the {@code route()} span. */
  public static final String ROUTE_SPAN = "route";
  /**
   * Attribute: the lead's id (a GUID, not personal data). An id the sender made of an e-mail address or a phone number
   * (a LeadId may hold {@code @} and {@code +}) is masked as {@link io.leadrouter.Pii#maskLeadId} masks it, e.g.
   * {@code j***@contoso.com}, {@code tel-***78}.
   */
  public static final AttributeKey<String> LEAD_ID = AttributeKey.stringKey("leadrouter.lead.id");
  /** Attribute: the destination (sink name). */
  public static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("leadrouter.destination");
  /** Attribute: the destinations a route() chose. */
  public static final AttributeKey<List<String>> DESTINATIONS =
      AttributeKey.stringArrayKey("leadrouter.destinations");
  /** Attribute: whether route() found the lead accepted before. */
  public static final AttributeKey<Boolean> DUPLICATE = AttributeKey.booleanKey("leadrouter.lead.duplicate");
  /** Attribute: the attempt number, 1 for the first. */
  public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("leadrouter.delivery.attempt");
  /** Attribute: the attempt's outcome ({@code delivered}, {@code handed_off}, {@code transient_failure}...). */
  public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("leadrouter.delivery.outcome");
  /** Attribute: the Diagnosis code of a failure (the semantic conventions' {@code error.type}). */
  public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private final Tracer tracer;

  private OpenTelemetryTracing(Tracer tracer) {
    this.tracer = tracer;
  }

  /** Tracing with the application's {@code OpenTelemetry} (its SDK, or the agent's {@code GlobalOpenTelemetry}). */
  public static OpenTelemetryTracing create(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new OpenTelemetryTracing(openTelemetry.getTracer(SCOPE));
  }

  @Override
  public RouteTrace startRoute(Lead lead) {
    Span span = tracer.spanBuilder(ROUTE_SPAN).setSpanKind(SpanKind.PRODUCER)
        .setAttribute(LEAD_ID, leadId(lead.id().toString())).startSpan();
    io.opentelemetry.context.Scope scope = span.makeCurrent();
    return new RouteTrace() {
      @Override
      public Optional<String> traceContext() {
        return traceparent(Context.current().with(span));
      }

      @Override
      public void accepted(List<String> destinations, boolean duplicate) {
        span.setAttribute(DESTINATIONS, destinations).setAttribute(DUPLICATE, duplicate);
      }

      @Override
      public void failed(RuntimeException error) {
        span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName())
            .setAttribute(ERROR_TYPE, error.getClass().getName());
      }

      @Override
      public void close() {
        scope.close();
        span.end();
      }
    };
  }

  @Override
  public AttemptTrace startAttempt(LeadId lead, String destination, int attempt, Optional<String> traceContext) {
    Context parent = traceContext.map(tp -> W3C.extract(Context.root(), Map.of(TraceContext.TRACEPARENT, tp), GETTER))
        .orElse(Context.root());
    Span span = tracer.spanBuilder("deliver " + destination).setParent(parent).setSpanKind(SpanKind.CONSUMER)
        .setAttribute(LEAD_ID, leadId(lead.toString())).setAttribute(DESTINATION, destination)
        .setAttribute(ATTEMPT, (long) attempt).startSpan();
    return new AttemptTrace() {
      @Override
      public LeadTracer.Scope makeCurrent() {
        io.opentelemetry.context.Scope scope = span.makeCurrent();
        Optional<String> traceparent = traceparent(Context.current());
        LeadTracer.Scope attached = traceparent.map(TraceContext::attach).orElse(() -> {});
        return () -> {
          attached.close();
          scope.close();
        };
      }

      @Override
      public void end(String outcome, Optional<Diagnosis> diagnosis) {
        span.setAttribute(OUTCOME, outcome);
        diagnosis.ifPresent(d -> span.setAttribute(ERROR_TYPE, d.code()));
        if (!outcome.equals("delivered") && !outcome.equals("handed_off")) {
          span.setStatus(StatusCode.ERROR, diagnosis.map(Diagnosis::code).orElse(outcome));
        }
        span.end();
      }
    };
  }

  /** The id as an attribute may hold it: masked as {@link io.leadrouter.Pii#maskLeadId} masks it. */
  static String leadId(String id) {
    return io.leadrouter.Pii.maskLeadId(id);
  }

  /** The context's W3C traceparent, if it holds a valid span. */
  private static Optional<String> traceparent(Context context) {
    if (!Span.fromContext(context).getSpanContext().isValid()) {
      return Optional.empty();
    }
    Map<String, String> carrier = new HashMap<>();
    W3C.inject(context, carrier, Map::put);
    return Optional.ofNullable(carrier.get(TraceContext.TRACEPARENT));
  }
}
