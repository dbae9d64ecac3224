package io.leadrouter.engine;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterBuilder;
import io.leadrouter.LeadTracer;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.otel.OpenTelemetryTracing;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TraceContext;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** OpenTelemetry traces of route() and delivery attempts, recorded by the SDK's in-memory exporter. */
class TracingTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension static final OpenTelemetryExtension OTEL = OpenTelemetryExtension.create();

  @TempDir Path dir;

  private LeadRouterBuilder router(String name, TestSinks.Deliver deliver) {
    return LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("journal.db")))
        .addSink(name, TestSinks.of(SinkCapabilities.builder().build(), deliver))
        .defaultRoute(name)
        .tracer(OpenTelemetryTracing.create(OTEL.getOpenTelemetry()));
  }

  @Test
  void route_andDelivery_areOneTrace_underTheCallersSpan_andTheSinkSeesTheAttemptsTraceparent() {
    List<Optional<String>> seen = new CopyOnWriteArrayList<>();
    Lead lead = SampleLeads.azureMarketplaceInstall();
    Span request = OTEL.getOpenTelemetry().getTracer("test").spanBuilder("POST /leads").startSpan();
    try (LeadRouter r = router("crm", l -> {
      seen.add(TraceContext.traceparent());
      return DeliveryResult.created("rec-1");
    }).build()) {
      try (Scope s = request.makeCurrent()) {
        r.routeAndWait(lead, WAIT);
      }
    } finally {
      request.end();
    }
    SpanData route = span("route");
    SpanData deliver = awaitSpans("deliver crm", 1).get(0);
    assertThat(route).hasKind(SpanKind.PRODUCER).hasParentSpanId(request.getSpanContext().getSpanId())
        .hasAttribute(OpenTelemetryTracing.LEAD_ID, lead.id().toString())
        .hasAttribute(OpenTelemetryTracing.DESTINATIONS, List.of("crm"))
        .hasAttribute(OpenTelemetryTracing.DUPLICATE, false);
    assertThat(deliver).hasKind(SpanKind.CONSUMER)
        .hasTraceId(request.getSpanContext().getTraceId()).hasParentSpanId(route.getSpanId())
        .hasAttribute(OpenTelemetryTracing.LEAD_ID, lead.id().toString())
        .hasAttribute(OpenTelemetryTracing.DESTINATION, "crm")
        .hasAttribute(OpenTelemetryTracing.ATTEMPT, 1L)
        .hasAttribute(OpenTelemetryTracing.OUTCOME, "delivered");
    assertThat(seen).containsExactly(Optional.of("00-" + deliver.getTraceId() + "-" + deliver.getSpanId() + "-"
        + deliver.getSpanContext().getTraceFlags().asHex()));
    assertThat(TraceContext.traceparent()).as("not left on the caller's thread").isEmpty();
  }

  @Test
  void retries_hoursLater_stayInTheTraceOfTheAcceptingRequest_eachAttemptNumbered() {
    AtomicInteger calls = new AtomicInteger();
    Lead lead = SampleLeads.appSourceCreate();
    try (LeadRouter r = router("crm", l -> {
      if (calls.incrementAndGet() == 1) {
        throw new TransientDeliveryException("503 from the CRM", Duration.ofMillis(10),
            new Diagnosis("CRM_UNAVAILABLE", "503", "wait"), null);
      }
      return DeliveryResult.updated("rec-1");
    }).build()) {
      r.routeAndWait(lead, WAIT);
    }
    SpanData route = span("route");
    List<SpanData> attempts = awaitSpans("deliver crm", 2);
    assertThat(attempts).allSatisfy(a -> assertThat(a).hasTraceId(route.getTraceId())
        .hasParentSpanId(route.getSpanId()));
    assertThat(attempts.get(0)).hasAttribute(OpenTelemetryTracing.ATTEMPT, 1L)
        .hasAttribute(OpenTelemetryTracing.OUTCOME, "transient_failure")
        .hasAttribute(OpenTelemetryTracing.ERROR_TYPE, "CRM_UNAVAILABLE")
        .hasStatus(io.opentelemetry.sdk.trace.data.StatusData.create(StatusCode.ERROR, "CRM_UNAVAILABLE"));
    assertThat(attempts.get(1)).hasAttribute(OpenTelemetryTracing.ATTEMPT, 2L)
        .hasAttribute(OpenTelemetryTracing.OUTCOME, "delivered");
  }

  /**
   * A retry after a restart (a new process, a new tracer) is still in the accepting request's trace: the sink, and so
   * the https sink's traceparent header, gets a context of the route's trace whose parent is the route span. It is
   * the attempt's context, not the route span's own: the outbound call belongs to the delivery attempt.
   */
  @Test
  void aRetryAfterARestart_staysInTheRouteCallsTrace() {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (LeadRouter first = router("crm", l -> {
      throw new TransientDeliveryException("503 from the CRM", Duration.ofSeconds(2),
          new Diagnosis("CRM_UNAVAILABLE", "503", "wait"), null);
    }).build()) {
      first.route(lead);
      awaitSpans("deliver crm", 1);
    }
    SpanData route = span("route");
    List<Optional<String>> seen = new CopyOnWriteArrayList<>();
    try (LeadRouter second = router("crm", l -> {
      seen.add(TraceContext.traceparent());
      return DeliveryResult.created("rec-1");
    }).build()) {
      awaitSpans("deliver crm", 2);
    }
    SpanData retry = named("deliver crm").get(1);
    assertThat(retry).hasTraceId(route.getTraceId()).hasParentSpanId(route.getSpanId())
        .hasAttribute(OpenTelemetryTracing.ATTEMPT, 2L).hasAttribute(OpenTelemetryTracing.OUTCOME, "delivered");
    assertThat(seen).containsExactly(Optional.of("00-" + route.getTraceId() + "-" + retry.getSpanId() + "-"
        + retry.getSpanContext().getTraceFlags().asHex()));
  }

  @Test
  void permanentFailure_namesTheDiagnosisCode_andNoAttributeHoldsPersonalData() {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (LeadRouter r = router("crm", l -> {
      throw new PermanentDeliveryException(new Diagnosis("CRM_INVALID_CLIENT_SECRET", "AADSTS7000215",
          "rotate the secret"));
    }).build()) {
      r.route(lead);
      SpanData attempt = awaitSpans("deliver crm", 1).get(0);
      assertThat(attempt).hasAttribute(OpenTelemetryTracing.OUTCOME, "permanent_failure")
          .hasAttribute(OpenTelemetryTracing.ERROR_TYPE, "CRM_INVALID_CLIENT_SECRET");
    }
    String everything = OTEL.getSpans().stream().map(s -> s.getAttributes().toString() + s.getName()).toList()
        .toString();
    assertThat(everything).doesNotContain(lead.customer().email()).doesNotContain(lead.customer().lastName());
  }

  /** Failures echoing the sink's secret and the customer: no span attribute, status, event or name carries them. */
  @Test
  void failuresEchoingTheSecretAndTheCustomer_leaveNoneOfItInAnySpan() {
    io.leadrouter.spi.Secret secret = io.leadrouter.spi.Secret.of("otel-Cl1ent-Secret-Value");
    Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().description("call (425) 555-0199").build();
    String echo = "client_secret=" + secret.reveal() + " " + lead.customer().email() + " "
        + lead.customer().phone() + " " + lead.description();
    AtomicInteger calls = new AtomicInteger();
    try (LeadRouter r = router("crm", l -> {
      switch (calls.incrementAndGet()) {
        case 1 -> throw new IllegalStateException("sink bug: " + echo);
        case 2 -> throw new TransientDeliveryException("503 " + echo, Duration.ofMillis(10),
            new Diagnosis("CRM_UNAVAILABLE", "503 " + echo, "wait"), null);
        default -> throw new PermanentDeliveryException(new Diagnosis("CRM_DUPLICATE", "duplicate: " + echo,
            "merge " + lead.customer().email()));
      }
    }).build()) {
      r.route(lead);
      awaitSpans("deliver crm", 3);
    }
    String everything = OTEL.getSpans().stream().map(s -> s.getName() + s.getAttributes() + s.getStatus()
        + s.getEvents()).toList().toString();
    assertThat(everything).contains("CRM_DUPLICATE", "CRM_UNAVAILABLE")
        .doesNotContain(secret.reveal(), "Cl1ent", lead.customer().email(), "jane.doe", "555 0100", "555-0199");
  }

  /**
   * A lead id is the sender's: LeadId allows {@code @} and {@code +}, so a marketplace or form that uses the
   * customer's e-mail or phone as the id must not put it raw into the {@code leadrouter.lead.id} attribute.
   */
  @Test
  void leadIdsThatAreAnEmailOrAPhone_areMaskedInEverySpan() {
    List<String> ids = leadIdAttributesRouting("jane.doe@contoso.com", "+14255550199", "form:jane.doe@contoso.com");
    assertThat(ids).hasSize(6).doesNotContainNull()
        .noneMatch(id -> id.contains("jane.doe") || id.contains("5550199") || id.contains("555 0199"));
    assertThat(new java.util.HashSet<>(ids)).as("one value per lead, the same on its route and delivery spans")
        .hasSize(3);
  }

  @Test
  void leadIdsHoldingAPhoneOrAnEmailAfterAPrefix_areMaskedInEverySpan() {
    // a sender's own ids: a letter in the id (tel-, a scheme, a word) let the phone through unmasked
    List<String> ids = leadIdAttributesRouting("tel-4915112345678", "tel:+49-151-1234-5679", "whatsapp.4915112345670",
        "mailto.jane.doe@contoso.com", "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    assertThat(ids).hasSize(10).doesNotContainNull()
        .noneMatch(id -> id.contains("5112345") || id.contains("1234-567") || id.contains("jane.doe"));
    assertThat(ids).contains("tel-***78", "tel:***79", "whatsapp.***70", "m***@contoso.com")
        .as("a GUID is no personal data and stays whole").contains("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    assertThat(new java.util.HashSet<>(ids)).as("one value per lead, the same on its route and delivery spans")
        .hasSize(5);
  }

  /**
   * Routes one sample lead (install, AppSource, test drive, in turn) with each of {@code leadIds} to one destination;
   * returns the {@code leadrouter.lead.id} attribute of every span (each lead's route and delivery spans).
   */
  private List<String> leadIdAttributesRouting(String... leadIds) {
    List<Lead> samples = List.of(SampleLeads.azureMarketplaceInstall(), SampleLeads.appSourceCreate(),
        SampleLeads.testDrive());
    try (LeadRouter r = router("crm", l -> DeliveryResult.created("rec-1")).build()) {
      for (int i = 0; i < leadIds.length; i++) {
        r.routeAndWait(samples.get(i % samples.size()).toBuilder().id(leadIds[i]).build(), WAIT);
      }
      awaitSpans("deliver crm", leadIds.length);
    }
    return OTEL.getSpans().stream().map(s -> s.getAttributes().get(OpenTelemetryTracing.LEAD_ID)).toList();
  }

  @Test
  void unroutableLead_routeSpanIsAnError() {
    try (LeadRouter r = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("journal.db")))
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().build(), l -> DeliveryResult.created("x")))
        .route(io.leadrouter.RoutingRule.offer("other", "fabrikam.*", List.of("crm")))
        .tracer(OpenTelemetryTracing.create(OTEL.getOpenTelemetry())).build()) {
      assertThatThrownBy(() -> r.route(SampleLeads.azureMarketplaceInstall()))
          .isInstanceOf(io.leadrouter.LeadRouterException.class).hasMessageContaining("no route");
    }
    assertThat(span("route")).hasStatus(io.opentelemetry.sdk.trace.data.StatusData.create(StatusCode.ERROR,
        "LeadRouterException"));
  }

  @Test
  void aTracerThatThrows_neverAffectsRoutingOrDelivery() {
    LeadTracer broken = new LeadTracer() {
      @Override
      public RouteTrace startRoute(Lead lead) {
        throw new IllegalStateException("tracer down");
      }

      @Override
      public AttemptTrace startAttempt(LeadId lead, String destination, int attempt, Optional<String> context) {
        return new AttemptTrace() {
          @Override
          public LeadTracer.Scope makeCurrent() {
            throw new IllegalStateException("tracer down");
          }

          @Override
          public void end(String outcome, Optional<Diagnosis> diagnosis) {
            throw new IllegalStateException("tracer down");
          }
        };
      }
    };
    try (LeadRouter r = router("crm", l -> DeliveryResult.created("x")).tracer(broken).build()) {
      Map<String, DeliveryResult> results = r.routeAndWait(SampleLeads.testDrive(), WAIT);
      assertThat(results).containsOnlyKeys("crm");
    }
  }

  private static SpanData span(String name) {
    return awaitSpans(name, 1).get(0);
  }

  /** The ended spans of that name, oldest first, once there are {@code n} (spans end just after the results). */
  private static List<SpanData> awaitSpans(String name, int n) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<SpanData> found = named(name);
    while (found.size() < n && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      found = named(name);
    }
    assertThat(found).as("spans named " + name).hasSize(n);
    return found;
  }

  private static List<SpanData> named(String name) {
    return OTEL.getSpans().stream().filter(s -> s.getName().equals(name))
        .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
  }
}
