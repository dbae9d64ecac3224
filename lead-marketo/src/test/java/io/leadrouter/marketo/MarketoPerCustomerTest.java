package io.leadrouter.marketo;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.marketo.MarketoConfig.Match;
import io.leadrouter.marketo.MarketoConfig.Mode;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.testkit.SampleLeads;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One customer, one Marketo lead: 1,000 leads of 100 customers (10 each, randomly interleaved) through a router at
 * concurrency 8 into a fake that, as Adobe warns ("Sync Leads": concurrent or closely timed upserts of one person can
 * create duplicates), creates a duplicate when two upserts of one person overlap. With {@code match: email} and mode
 * {@code upsert} the fake never sees two calls for one customer overlap, and holds exactly 100 leads. The control
 * shows the fake does see overlaps, and duplicates, when nothing keeps one customer's calls apart.
 */
@Timeout(300)
class MarketoPerCustomerTest {
  @RegisterExtension
  static final FakeMarketo fake = new FakeMarketo(Clock.systemUTC());

  private static MarketoSink sink() {
    return MarketoSink.builder().endpoint(fake.rest()).identity(fake.identity())
        .clientId(FakeMarketo.CLIENT_ID).clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET))
        .mode(Mode.CREATE_OR_UPDATE).match(Match.EMAIL).timeout(Duration.ofSeconds(30)).build();
  }

  /** Delivers {@code perCustomer} leads of each of {@code customers} customers, shuffled, through a router at 8. */
  private static List<CompletableFuture<DeliveryResult>> deliver(LeadSink sink, int customers, int perCustomer)
      throws Exception {
    // one lead per call and no rate limit, so eight calls are in flight whenever leads are waiting
    DeliveryPolicy policy = DeliveryPolicy.builder().inFlight(8).maxBatchSize(1).rateLimit(1_000_000,
        Duration.ofSeconds(1)).build();
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < customers; c++) {
      for (int i = 0; i < perCustomer; i++) {
        order.add(c);
      }
    }
    Collections.shuffle(order, new Random(7));
    List<CompletableFuture<DeliveryResult>> all = new ArrayList<>();
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).addSink("mkto", sink, policy)
        .defaultRoute("mkto").build()) {
      int n = 0;
      for (int c : order) {
        Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of("lead-" + n++))
            .email("customer" + c + "@contoso.example").build();
        all.add(router.route(lead).deliveries().get("mkto"));
      }
      // every delivery ends (delivered or dead-lettered) before the router closes
      CompletableFuture.allOf(all.stream().map(f -> f.handle((r, e) -> r)).toArray(CompletableFuture[]::new))
          .get(240, TimeUnit.SECONDS);
    }
    return all;
  }

  @Test
  void thousandLeadsOfHundredCustomers_concurrency8_matchEmail_noOverlap_exactlyHundredLeads() throws Exception {
    fake.syncDelay(5);

    List<CompletableFuture<DeliveryResult>> all = deliver(sink(), 100, 10);

    assertThat(all).allSatisfy(f -> assertThat(f).isCompleted().isNotCompletedExceptionally());
    assertThat(fake.overlaps()).as("calls for one customer in flight together").isZero();
    assertThat(fake.size()).as("Marketo leads").isEqualTo(100);
    assertThat(fake.syncCalls()).hasSize(1000);
  }

  /** The control: the same sink declaring no ordering; the fake sees one customer's calls overlap and duplicates. */
  @Test
  void control_withoutPerCustomerOrdering_theFakeSeesOverlapsAndDuplicates() throws Exception {
    fake.syncDelay(20);
    MarketoSink marketo = sink();
    LeadSink unordered = new LeadSink() {
      @Override
      public DeliveryResult deliver(Lead lead) throws DeliveryException {
        return marketo.deliver(lead);
      }

      @Override
      public List<BatchItemResult> deliverBatch(List<Lead> leads) throws DeliveryException {
        return marketo.deliverBatch(leads);
      }

      @Override
      public VerificationReport verify() {
        return marketo.verify();
      }

      @Override
      public SinkCapabilities capabilities() {
        SinkCapabilities c = marketo.capabilities();
        return new SinkCapabilities(c.maxBatchSize(), c.maxConcurrency(), c.rateLimit(), c.upsert(),
            c.confirmsDelivery(), SinkCapabilities.OrderingKey.NONE);
      }

      @Override
      public void close() {
        marketo.close();
      }
    };

    deliver(unordered, 4, 20);

    assertThat(fake.overlaps()).as("calls for one customer in flight together").isPositive();
    assertThat(fake.size()).as("Marketo leads: duplicates of some customers").isGreaterThan(4);
  }
}
