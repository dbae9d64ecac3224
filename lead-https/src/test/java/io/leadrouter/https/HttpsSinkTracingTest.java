package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.otel.OpenTelemetryTracing;
import io.leadrouter.spi.TraceContext;
import io.leadrouter.testkit.SampleLeads;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A traced router's https sink sends the delivery attempt's W3C traceparent to the receiver. */
class HttpsSinkTracingTest {
  @RegisterExtension static final WebhookReceiverFake receiver = new WebhookReceiverFake();
  @RegisterExtension static final OpenTelemetryExtension OTEL = OpenTelemetryExtension.create();

  @Test
  void deliveryAttempt_sendsItsTraceparent_inTheCallersTrace() {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    Span request = OTEL.getOpenTelemetry().getTracer("test").spanBuilder("POST /leads").startSpan();
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create())
        .addSink("hooks", receiver.sink().build()).defaultRoute("hooks")
        .tracer(OpenTelemetryTracing.create(OTEL.getOpenTelemetry())).build()) {
      try (Scope s = request.makeCurrent()) {
        router.routeAndWait(lead, Duration.ofSeconds(20));
      }
    } finally {
      request.end();
    }
    List<LoggedRequest> posts = receiver.server.findAll(com.github.tomakehurst.wiremock.client.WireMock
        .postRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(WebhookReceiverFake.PATH)));
    assertThat(posts).hasSize(1);
    SpanData attempt = OTEL.getSpans().stream().filter(s -> s.getName().equals("deliver hooks")).findFirst()
        .orElseThrow();
    assertThat(attempt.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
    assertThat(posts.get(0).getHeader(TraceContext.TRACEPARENT)).isEqualTo("00-" + attempt.getTraceId() + "-"
        + attempt.getSpanId() + "-" + attempt.getSpanContext().getTraceFlags().asHex());
  }

  @Test
  void untracedRouter_sendsNoTraceparent() throws Exception {
    receiver.sink().build().deliver(SampleLeads.testDrive());
    assertThat(receiver.server.getAllServeEvents()).isNotEmpty()
        .allSatisfy(e -> assertThat(e.getRequest().containsHeader(TraceContext.TRACEPARENT)).isFalse());
  }
}
