package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Explanation;
import io.leadrouter.Lead;
import io.leadrouter.LeadExplainer;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingRule;
import io.leadrouter.file.FileSink;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code router.explain(lead)}: rules, flags, masked requests, failing checks; nothing sent, nothing journaled. */
class ExplainTest {
  @TempDir
  Path dir;

  @Test
  void explain_pickedDestinations_showRuleRequestAndMaskedPii_nothingSentNothingJournaled() throws Exception {
    Path out = dir.resolve("leads.ndjson");
    InMemoryLeadSink memory = new InMemoryLeadSink();
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("archive", FileSink.open(out)).addSink("memory", memory)
        .route(RoutingRule.offer("contoso", "contoso.*", List.of("archive", "memory")))
        .route(RoutingRule.all("everything", List.of("archive")))
        .build()) {
      Lead lead = SampleLeads.azureMarketplaceInstall();

      Explanation e = router.explain(lead);

      assertThat(e.accepted()).isTrue();
      assertThat(e.flags()).isEmpty();
      assertThat(e.destinations()).extracting(Explanation.Destination::name).containsExactly("archive", "memory");
      Explanation.Destination archive = e.destination("archive").orElseThrow();
      assertThat(archive.rules()).containsExactly("contoso", "everything");
      ExplainedRequest r = archive.request().orElseThrow();
      assertThat(r.method()).isEqualTo("APPEND");
      assertThat(r.bodyText()).contains("\"Email\":\"j***@contoso.com\"").contains("\"Phone\":\"***00\"")
          .contains("\"FirstName\":\"J***\"").doesNotContain("jane.doe@contoso.com").doesNotContain("555 0100");
      Explanation.Destination mem = e.destination("memory").orElseThrow();
      assertThat(mem.explainable()).isFalse();
      assertThat(mem.notes()).singleElement().asString().startsWith("not explainable: sink "
          + InMemoryLeadSink.class.getName());

      assertThat(Files.exists(out)).as("the file sink wrote nothing").isFalse();
      assertThat(memory.size()).isZero();
      assertThat(router.counts().values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue)
          .sum()).as("nothing journaled").isZero();
      assertThat(router.journal().deliveries(lead.id())).isEmpty();
    }
  }

  @Test
  void explain_masksOtherPhonesAndEmails_likeOnesInTheDescription() throws Exception {
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("archive", FileSink.open(dir.resolve("leads.ndjson"))).defaultRoute("archive").build()) {
      Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder()
          .description("assistant: megan.bowen@fabrikam.com, call (425) 555-0199 or 425.555.0142").build();

      String body = router.explain(lead).destination("archive").orElseThrow().request().orElseThrow().bodyText();

      assertThat(body).doesNotContain("megan.bowen", "555-0199", "555.0142").contains("m***@fabrikam.com", "***99",
          "***42");
      assertThat(router.explain(lead, true).destination("archive").orElseThrow().request().orElseThrow().bodyText())
          .as("--show-pii shows it").contains("megan.bowen@fabrikam.com", "(425) 555-0199");
    }
  }

  @Test
  void explain_showPii_isExactlyWhatTheFileSinkThenWrites() throws Exception {
    Path out = dir.resolve("leads.ndjson");
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("archive", FileSink.open(out)).defaultRoute("archive").build()) {
      Lead lead = SampleLeads.unicodeNames();

      ExplainedRequest shown = router.explain(lead, true).destination("archive").orElseThrow().request()
          .orElseThrow();
      router.routeAndWait(lead, java.time.Duration.ofSeconds(10));

      assertThat(Files.readAllBytes(out)).isEqualTo(shown.body());
      assertThat(router.explain(lead, true).destination("archive").orElseThrow().request().orElseThrow().notes())
          .singleElement().asString().contains("already in the file");
    }
  }

  @Test
  void explain_anonymousDncTestLeadAndCheckThatWouldFail_allReported() {
    io.leadrouter.spi.LeadSink picky = new io.leadrouter.spi.LeadSink() {
      @Override
      public io.leadrouter.spi.DeliveryResult deliver(Lead lead) {
        throw new AssertionError("explain must not deliver");
      }

      @Override
      public Optional<ExplainedRequest> explain(Lead lead) throws PermanentDeliveryException {
        if (lead.isAnonymous()) {
          throw new PermanentDeliveryException(new Diagnosis("NO_EMAIL", "no e-mail for the lookup",
              "map another lookup field"));
        }
        return Optional.of(ExplainedRequest.builder("POST", "https://crm.example/leads").secretHeader(
            "Authorization").build());
      }

      @Override
      public io.leadrouter.spi.VerificationReport verify() {
        return io.leadrouter.spi.VerificationReport.builder("picky").build();
      }

      @Override
      public SinkCapabilities capabilities() {
        return SinkCapabilities.builder().build();
      }
    };
    try (LeadExplainer explainer = LeadRouter.builder().addSink("crm", picky).defaultRoute("crm")
        .buildExplainer()) {
      Explanation anonymous = explainer.explain(SampleLeads.eduAnonymous());
      assertThat(anonymous.flags()).anySatisfy(f -> assertThat(f).startsWith("anonymous"));
      Explanation.Destination crm = anonymous.destination("crm").orElseThrow();
      assertThat(crm.rules()).containsExactly("default");
      assertThat(crm.wouldFail()).map(Diagnosis::code).contains("NO_EMAIL");
      assertThat(crm.request()).isEmpty();

      assertThat(explainer.explain(SampleLeads.doNotContact()).flags())
          .anySatisfy(f -> assertThat(f).startsWith("do not contact"));
      assertThat(explainer.explain(SampleLeads.marketplaceTestLead()).flags()).contains("marketplace test lead");
      assertThat(explainer.explain(SampleLeads.unknownChannel()).flags())
          .anySatisfy(f -> assertThat(f).startsWith("unknown channel"));
      assertThat(explainer.explain(SampleLeads.azureMarketplaceInstall()).destination("crm").orElseThrow()
          .request().orElseThrow().isRedacted("Authorization")).isTrue();
    }
  }

  @Test
  void explain_intakeFlags_areListedWithTheOriginal() throws Exception {
    try (LeadExplainer explainer = LeadRouter.builder().addSink("m", new InMemoryLeadSink()).defaultRoute("m")
        .buildExplainer()) {
      Lead lead = io.leadrouter.MarketplaceCodec.standard().fromJson(("{\"UserDetails\":{\"Email\":"
          + "\"jane.doe@contoso.com\",\"Country\":\"USA\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8));

      assertThat(explainer.explain(lead).flags()).anySatisfy(f -> assertThat(f).startsWith("COUNTRY_NORMALISED")
          .contains("(sent as 'USA')"));
    }
  }

  @Test
  void explain_noRouteAndInvalidLead_listWhyRouteWouldRefuse() {
    InMemoryLeadSink memory = new InMemoryLeadSink();
    try (LeadExplainer explainer = LeadRouter.builder().addSink("m", memory)
        .route(RoutingRule.offer("only", "fabrikam.*", List.of("m"))).buildExplainer()) {
      Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().company("x".repeat(100_000)).build();

      Explanation e = explainer.explain(lead);

      assertThat(e.accepted()).isFalse();
      assertThat(e.destinations()).isEmpty();
      assertThat(e.problems()).extracting(p -> p.path()).containsExactly("customer.company", "lead", "source");
    }
  }
}
