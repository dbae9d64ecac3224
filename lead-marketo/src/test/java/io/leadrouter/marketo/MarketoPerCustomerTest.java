package io.leadrouter.marketo;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Secret;
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
 * concurrency 8 into a fake that, as Adobe warns, creates a duplicate when two upserts of one person overlap. The
 * fake never sees two calls for one customer overlap, and holds exactly 100 leads (matched on email).
 */
@Timeout(300)
class MarketoPerCustomerTest {
  @RegisterExtension
  static final FakeMarketo fake = new FakeMarketo(Clock.systemUTC());

  @Test
  void thousandLeadsOfHundredCustomers_concurrency8_noOverlap_exactlyHundredLeads() throws Exception {
    fake.syncDelay(5);
    MarketoSink sink = MarketoSink.builder().endpoint(fake.rest()).identity(fake.identity())
        .clientId(FakeMarketo.CLIENT_ID).clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET))
        .timeout(Duration.ofSeconds(30)).build();
    // one lead per call and no rate limit, so eight calls are in flight whenever leads are waiting
    DeliveryPolicy policy = DeliveryPolicy.builder().inFlight(8).maxBatchSize(1).rateLimit(1_000_000,
        Duration.ofSeconds(1)).build();
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < 100; c++) {
      for (int i = 0; i < 10; i++) {
        order.add(c);
      }
    }
    Collections.shuffle(order, new Random(7));
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).addSink("mkto", sink, policy)
        .defaultRoute("mkto").build()) {
      List<CompletableFuture<DeliveryResult>> all = new ArrayList<>();
      int n = 0;
      for (int c : order) {
        Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of("lead-" + n++))
            .email("customer" + c + "@contoso.example").build();
        all.add(router.route(lead).deliveries().get("mkto"));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(240, TimeUnit.SECONDS);
    }
    assertThat(fake.overlaps()).as("calls for one customer in flight together").isZero();
    assertThat(fake.leads()).hasSize(100);
  }
}
