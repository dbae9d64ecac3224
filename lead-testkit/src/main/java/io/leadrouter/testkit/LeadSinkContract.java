package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.Lead;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The behaviour every {@link LeadSink} must show, as an abstract JUnit 5 test. A sink's test extends it and
 * connects it to a fake of the destination's real API (built from its documented requests and responses) or to the
 * real thing (Azurite). The subclass sets its fake up in its own {@code @BeforeEach}, which JUnit runs before this
 * class's, and answers the hooks below.
 *
 * <p>Groups: it delivers (normal, test, unicode, anonymous, do-not-contact leads), redelivery is idempotent, it
 * classifies transient vs permanent failures, it never shows secrets or customer data in output, batches return
 * one result per lead (failures too), {@code capabilities()} is stable, {@code close()} returns promptly without
 * throwing (twice too), and {@code verify()} reports. These are the rules the router relies on; CONTRIBUTING.md says
 * what it does when a plugin breaks them anyway.
 */
public abstract class LeadSinkContract {
  private final List<LeadSink> opened = new ArrayList<>();
  private OutputCapture output;

  /** A new sink connected to a healthy destination. Called once per test; the contract closes it. */
  protected abstract LeadSink createSink();

  /**
   * How many distinct records the destination holds for this lead, as the fake or real destination shows it: for an
   * upsert API, 1 once any upsert keyed by the lead's id arrived; for a create API, the number of creates.
   */
  protected abstract int recordsAtDestination(Lead lead);

  /** From now on the destination fails transiently (e.g. answers 503, or stops answering). */
  protected abstract void destinationFailsTransiently();

  /** From now on the destination rejects every lead permanently (e.g. credentials revoked). */
  protected abstract void destinationRejectsPermanently();

  /** The secret values the sink was configured with; none may ever appear in output or messages. */
  protected abstract List<String> secretValues();

  /**
   * The names of the steps {@code verify()} runs against a healthy destination, in order, as the sink documents
   * them; empty (the default) leaves them unchecked.
   */
  protected List<String> verifySteps() {
    return List.of();
  }

  /** What the sink cannot do, with reasons; {@link ContractOptions#full()} by default. */
  protected ContractOptions options() {
    return ContractOptions.full();
  }

  /**
   * The request the destination received that corresponds to {@code explained} (same method and URL; for a WireMock
   * fake, {@link ReceivedRequest#lastLike}). Empty by default: then {@link #assertDeliveredAsExplained} fails unless
   * the options say the sink is not explainable.
   */
  protected Optional<ReceivedRequest> received(ExplainedRequest explained) {
    return Optional.empty();
  }

  /**
   * Asserts that what the destination received for {@code lead} is byte for byte what {@code explain} showed. The
   * default compares {@link #received} with {@link ReceivedRequest#assertMatches}; a destination whose client
   * builds the wire request itself (Azure's SDK) overrides this to compare what it stored.
   */
  protected void assertDeliveredAsExplained(Lead lead, ExplainedRequest explained) {
    Optional<ReceivedRequest> got = received(explained);
    assertThat(got).as("the destination received %s %s (override received(...) in the sink's contract test)",
        explained.method(), explained.url()).isPresent();
    got.get().assertMatches(explained);
  }

  /** The sink for the current test. */
  protected final LeadSink sink() {
    if (opened.isEmpty()) {
      opened.add(createSink());
    }
    return opened.get(0);
  }

  @BeforeEach
  final void startCapture() {
    output = OutputCapture.start();
  }

  @AfterEach
  final void closeSinks() {
    try {
      opened.forEach(LeadSink::close);
      opened.clear();
    } finally {
      output.close();
    }
  }

  /** Everything the sink printed or logged during this test so far. */
  protected final String capturedOutput() {
    return output.text();
  }

  private void assertDelivered(Lead lead) throws DeliveryException {
    DeliveryResult result = sink().deliver(lead);
    if (sink().capabilities().confirmsDelivery()) {
      assertThat(result.outcome()).as("first delivery of a new lead").isEqualTo(DeliveryOutcome.CREATED);
      assertThat(recordsAtDestination(lead)).as("records at destination for " + lead.id()).isEqualTo(1);
    } else {
      assertThat(result.outcome()).as("a sink that cannot confirm delivery reports a hand-off")
          .isEqualTo(DeliveryOutcome.HANDED_OFF);
      assertThat(recordsAtDestination(lead)).as("records at destination for " + lead.id()).isEqualTo(1);
    }
  }

  /** Leads of every kind the marketplace sends reach the destination. */
  @Nested
  class Delivers {
    /** The plain kinds, each named by what must happen to it. */
    static Stream<Named<Lead>> leadsOfEveryKind() {
      return Stream.of(Named.of("a normal lead creates one record", SampleLeads.azureMarketplaceInstall()),
          Named.of("names in several scripts are delivered", SampleLeads.unicodeNames()),
          Named.of("a do-not-contact lead is delivered, not dropped", SampleLeads.doNotContact()),
          Named.of("a lead from an unknown channel is delivered, not dropped", SampleLeads.unknownChannel()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("leadsOfEveryKind")
    void deliver_leadOfEveryKind_isDelivered(Lead lead) throws Exception {
      assertDelivered(lead);
    }

    @Test
    void deliver_marketplaceTestLead_isDeliveredLikeAnyOther() throws Exception {
      Lead test = SampleLeads.marketplaceTestLead();
      assertThat(test.isTest()).isTrue();
      assertDelivered(test);
    }

    @Test
    void deliver_anonymousLead_isDeliveredOrRejectedWithStatedDiagnosis() throws Exception {
      Lead anonymous = SampleLeads.eduAnonymous();
      if (options().anonymousRejectedWith().isPresent()) {
        Throwable thrown = catchThrowable(() -> sink().deliver(anonymous));
        assertThat(thrown).isInstanceOf(PermanentDeliveryException.class);
        assertThat(((PermanentDeliveryException) thrown).diagnosisValue().code())
            .isEqualTo(options().anonymousRejectedWith().get());
        assertThat(((PermanentDeliveryException) thrown).diagnosisValue().remediation()).isNotBlank();
      } else {
        assertDelivered(anonymous);
      }
    }
  }

  /** Delivering the same lead again never creates a second record. */
  @Nested
  class Idempotent {
    @Test
    void deliver_sameLeadTwice_updatesTheSameRecord() throws Exception {
      Lead lead = SampleLeads.azureMarketplaceInstall();
      sink().deliver(lead);
      DeliveryResult second = sink().deliver(lead);
      if (options().notIdempotentBecause().isPresent()) {
        assertThat(sink().capabilities().upsert()).as("a non-idempotent sink must not declare upsert").isFalse();
        assertThat(options().notIdempotentBecause().get()).as("the stated reason").isNotBlank();
        assertThat(second.outcome()).isEqualTo(DeliveryOutcome.HANDED_OFF);
      } else {
        assertThat(sink().capabilities().upsert()).isTrue();
        assertThat(second.outcome()).isIn(DeliveryOutcome.UPDATED, DeliveryOutcome.HANDED_OFF);
        assertThat(recordsAtDestination(lead)).isEqualTo(1);
      }
    }
  }

  /** Failures are classified so the router knows whether to retry. */
  @Nested
  class Classifies {
    @Test
    void deliver_destinationUnavailable_throwsTransient() {
      destinationFailsTransiently();
      assertThatThrownBy(() -> sink().deliver(SampleLeads.azureMarketplaceInstall()))
          .isInstanceOf(TransientDeliveryException.class);
    }

    @Test
    void deliver_destinationRejects_throwsPermanentWithDiagnosis() {
      destinationRejectsPermanently();
      Throwable thrown = catchThrowable(() -> sink().deliver(SampleLeads.azureMarketplaceInstall()));
      assertThat(thrown).isInstanceOf(PermanentDeliveryException.class);
      PermanentDeliveryException e = (PermanentDeliveryException) thrown;
      assertThat(e.diagnosisValue().code()).isNotBlank();
      assertThat(e.diagnosisValue().remediation()).as("a permanent failure says what to fix").isNotBlank();
      assertThat(e.getMessage()).contains(e.diagnosisValue().code());
    }
  }

  /** Secrets and customer contact data never show in output, messages or {@code toString()}. */
  @Nested
  class Redacts {
    @Test
    void secrets_neverInToStringMessagesOrLogs() {
      Lead lead = SampleLeads.azureMarketplaceInstall();
      StringBuilder seen = new StringBuilder(String.valueOf(sink())).append('\n');
      try {
        sink().deliver(lead);
      } catch (DeliveryException e) {
        seen.append(e).append('\n');
      }
      destinationRejectsPermanently();
      try {
        sink().deliver(SampleLeads.appSourceCreate());
      } catch (DeliveryException e) {
        seen.append(e).append(' ').append(e.getCause()).append('\n');
      }
      seen.append(sink().verify()).append('\n').append(capturedOutput());
      assertThat(secretValues()).as("the test must name the sink's secrets").isNotEmpty();
      for (String secret : secretValues()) {
        assertThat(seen.toString()).as("output must not contain a configured secret").doesNotContain(secret);
      }
    }

    @Test
    void customerEmailAndPhone_neverInLogs() throws Exception {
      Lead lead = SampleLeads.azureMarketplaceInstall();
      sink().deliver(lead);
      destinationRejectsPermanently();
      catchThrowable(() -> sink().deliver(lead));
      assertThat(capturedOutput()).doesNotContain(lead.customer().email()).doesNotContain(lead.customer().phone());
    }
  }

  /** {@code explain} shows exactly what {@code deliver} then sends, sends nothing itself and shows no secret. */
  @Nested
  class Explains {
    @Test
    void explain_thenDeliver_destinationReceivesExactlyTheExplainedRequest() throws Exception {
      for (Lead lead : List.of(SampleLeads.azureMarketplaceInstall(), SampleLeads.unicodeNames())) {
        Optional<ExplainedRequest> explained = sink().explain(lead);
        if (options().notExplainableBecause().isPresent()) {
          assertThat(explained).as("a sink stated not explainable keeps the SPI default").isEmpty();
          assertThat(options().notExplainableBecause().get()).as("the stated reason").isNotBlank();
          return;
        }
        assertThat(explained).as("explain of %s", lead.id()).isPresent();
        sink().deliver(lead);
        assertDeliveredAsExplained(lead, explained.get());
      }
    }

    @Test
    void explain_sendsNothing() throws Exception {
      Lead lead = SampleLeads.appSourceCreate();
      sink().explain(lead);
      assertThat(recordsAtDestination(lead)).as("records at destination after explain alone").isZero();
    }

    @Test
    void explain_showsNoSecret() throws Exception {
      Optional<ExplainedRequest> explained = sink().explain(SampleLeads.azureMarketplaceInstall());
      String shown = explained.map(r -> r + "\n" + r.notes()).orElse("");
      for (String secret : secretValues()) {
        assertThat(shown).as("explain must not show a configured secret").doesNotContain(secret);
      }
    }
  }

  /** Batches return exactly one result per lead, in order. */
  @Nested
  class Batches {
    @Test
    void deliverBatch_returnsOneResultPerLeadInOrder() throws Exception {
      List<Lead> leads = List.of(SampleLeads.azureMarketplaceInstall(), SampleLeads.appSourceCreate(),
          SampleLeads.testDrive());
      List<BatchItemResult> results = sink().deliverBatch(leads);
      assertThat(results).extracting(BatchItemResult::leadId).containsExactly(
          leads.get(0).id(), leads.get(1).id(), leads.get(2).id());
      assertThat(results).allMatch(BatchItemResult::succeeded);
      for (Lead lead : leads) {
        assertThat(recordsAtDestination(lead)).isEqualTo(1);
      }
    }

    @Test
    void deliverBatch_destinationUnavailable_failsEachLeadTransientlyOrThrowsADeliveryException() {
      destinationFailsTransiently();
      List<Lead> leads = List.of(SampleLeads.azureMarketplaceInstall(), SampleLeads.appSourceCreate());
      // anything but a DeliveryException (or a result per lead) is a plugin bug the router can only guess about
      Throwable thrown = catchThrowable(() -> {
        List<BatchItemResult> results = sink().deliverBatch(leads);
        assertThat(results).as("results of deliverBatch").isNotNull().extracting(BatchItemResult::leadId)
            .containsExactly(leads.get(0).id(), leads.get(1).id());
        assertThat(results).allSatisfy(r -> assertThat(r.failure()).as("failure for %s", r.leadId()).isPresent());
      });
      if (thrown != null && !(thrown instanceof AssertionError)) {
        assertThat(thrown).as("what deliverBatch threw for an unavailable destination")
            .isInstanceOf(TransientDeliveryException.class);
      } else if (thrown != null) {
        throw (AssertionError) thrown;
      }
    }

    @Test
    void capabilities_neverNullAndTheSameEachTime() {
      SinkCapabilities first = sink().capabilities();
      assertThat(first).as("capabilities()").isNotNull();
      assertThat(sink().capabilities()).as("capabilities() asked again").isEqualTo(first);
    }

    @Test
    void capabilities_areConsistent() {
      SinkCapabilities c = sink().capabilities();
      assertThat(c.maxBatchSize()).isPositive();
      assertThat(c.maxConcurrency()).isPositive();
      if (options().notIdempotentBecause().isEmpty()) {
        assertThat(c.upsert()).isTrue();
      }
    }
  }

  /** {@code close()} returns promptly and never throws, even twice or before any delivery. */
  @Nested
  class Closes {
    @Test
    void close_twice_afterADelivery_returnsPromptlyWithoutThrowing() throws Exception {
      LeadSink sink = sink();
      sink.deliver(SampleLeads.azureMarketplaceInstall());
      assertCloses(sink);
      assertCloses(sink);
    }

    @Test
    void close_beforeAnyDelivery_returnsPromptlyWithoutThrowing() throws Exception {
      assertCloses(sink());
    }

    /** Within 30 s (the router waits for sinks that long by default, then leaves them behind). */
    private void assertCloses(LeadSink sink) throws Exception {
      java.util.concurrent.CompletableFuture<Void> closing = java.util.concurrent.CompletableFuture.runAsync(
          sink::close);
      assertThat(closing).as("close() returns within 30 s without throwing")
          .succeedsWithin(java.time.Duration.ofSeconds(30));
    }
  }

  /** The publish check reports each step and, on failure, what to fix. */
  @Nested
  class Verifies {
    @Test
    void verify_healthyDestination_passes() {
      VerificationReport report = sink().verify();
      assertThat(report.sinkType()).isNotBlank();
      assertThat(report.steps()).isNotEmpty();
      assertThat(report.passed()).as("report: %s", report).isTrue();
      if (!verifySteps().isEmpty()) {
        assertThat(report.steps()).extracting(VerificationReport.Step::name).as("the steps verify() runs")
            .containsExactlyElementsOf(verifySteps());
      }
    }

    @Test
    void verify_rejectingDestination_failsWithDiagnosis() {
      destinationRejectsPermanently();
      VerificationReport report = sink().verify();
      assertThat(report.passed()).isFalse();
      assertThat(report.failures()).isNotEmpty()
          .allSatisfy(step -> assertThat(step.diagnosis()).isPresent());
    }
  }
}
