package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tracer that throws an {@link Error} (an OpenTelemetry jar of another version: {@code NoSuchMethodError}) at any
 * of its steps: tracing is skipped, routing and delivery are not. Failed before the fix at every step.
 */
@Timeout(120)
class TracerErrorTest {
  @TempDir Path dir;

  /** The tracer's step that throws. */
  enum Step { START_ROUTE, TRACE_CONTEXT, ACCEPTED, ROUTE_CLOSE, START_ATTEMPT, MAKE_CURRENT, SCOPE_CLOSE, END }

  @ParameterizedTest
  @EnumSource(Step.class)
  void aTracerThrowingALinkageError_neitherFailsRouteNorLeavesADeliveryUnrecorded(Step failing) {
    AtomicInteger delivered = new AtomicInteger();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> {
          delivered.incrementAndGet();
          return DeliveryResult.created("r-" + lead.id());
        })).defaultRoute("crm").tracer(new Broken(failing)).build()) {
      for (int i = 0; i < 3; i++) {
        // before: route() threw the Error (after the lead was committed, for ACCEPTED and ROUTE_CLOSE), or the
        // delivery thread died with it between the sink's answer and its record: the lead stayed in flight until its
        // lease ended, and was then delivered again
        assertThat(router.routeAndWait(Lead.builder().id("t-" + i).email("a" + i + "@contoso.com").build(),
            Duration.ofSeconds(30))).containsOnlyKeys("crm");
      }
      router.close(Duration.ofSeconds(10));
    }
    assertThat(delivered).hasValue(3);
  }

  /** Throws {@link NoSuchMethodError} at one step. */
  private record Broken(Step failing) implements LeadTracer {
    private void maybeThrow(Step step) {
      if (step == failing) {
        throw new NoSuchMethodError("'io.opentelemetry.api.trace.SpanBuilder io.opentelemetry.api.trace.Tracer."
            + "spanBuilder(java.lang.String)'");
      }
    }

    @Override
    public RouteTrace startRoute(Lead lead) {
      maybeThrow(Step.START_ROUTE);
      return new RouteTrace() {
        @Override
        public Optional<String> traceContext() {
          maybeThrow(Step.TRACE_CONTEXT);
          return Optional.empty();
        }

        @Override
        public void accepted(List<String> destinations, boolean duplicate) {
          maybeThrow(Step.ACCEPTED);
        }

        @Override
        public void close() {
          maybeThrow(Step.ROUTE_CLOSE);
        }
      };
    }

    @Override
    public AttemptTrace startAttempt(LeadId lead, String destination, int attempt, Optional<String> traceContext) {
      maybeThrow(Step.START_ATTEMPT);
      return new AttemptTrace() {
        @Override
        public Scope makeCurrent() {
          maybeThrow(Step.MAKE_CURRENT);
          return () -> maybeThrow(Step.SCOPE_CLOSE);
        }

        @Override
        public void end(String outcome, Optional<Diagnosis> diagnosis) {
          maybeThrow(Step.END);
        }
      };
    }
  }
}
