package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.metrics.MicrometerLeadListener;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination that echoes its credential and the customer's e-mail and phone in everything it throws — a
 * {@link RuntimeException} (a sink's bug quoting the answer) with an {@link IOException} cause, then a transient
 * failure, then a permanent one, each with causes — and nothing of it may come out of the engine: not in the log
 * (the worker's DestinationWorker logger is at DEBUG in this module's tests, so the sink's stack trace is printed),
 * not in the listener's events, not in the journal's last errors and diagnoses, not in the receipt's exception or its
 * causes, not in a meter's tags.
 */
class EchoedSecretEngineTest {
  private static final Secret SECRET = Secret.of("crm-Cl1ent~Secret.Value_42");
  private static final String EMAIL = "jane.doe@contoso.com";
  private static final String DESCRIPTION_EMAIL = "megan.bowen@fabrikam.com";

  @TempDir Path dir;

  @Test
  void sinkFailuresEchoingTheSecretAndThePerson_noneOfItIsObservable() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder()
        .description("call me at (425) 555-0199 or " + DESCRIPTION_EMAIL).build();
    String echo = "client_secret=" + SECRET.reveal() + " for " + EMAIL + " / " + lead.customer().phone() + " / "
        + lead.description();
    AtomicInteger calls = new AtomicInteger();
    List<LeadEvent> events = new CopyOnWriteArrayList<>();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    List<String> observed = new ArrayList<>();
    try (OutputCapture out = OutputCapture.start()) {
      try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("journal.db")))
          .addSink("crm", TestSinks.of(SinkCapabilities.builder().build(), l -> {
            switch (calls.incrementAndGet()) {
              case 1 -> throw new IllegalStateException("the sink could not read: " + echo,
                  new IOException("answer was " + echo));
              case 2 -> throw new TransientDeliveryException("503 " + echo, Duration.ofMillis(10),
                  new Diagnosis("CRM_UNAVAILABLE", "503 " + echo, "wait for " + EMAIL), new IOException(echo));
              default -> throw new PermanentDeliveryException(new Diagnosis("CRM_DUPLICATE",
                  "duplicate value found: " + echo, "merge " + EMAIL), new IOException("400 " + echo));
            }
          }), DeliveryPolicy.builder().backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build())
          .defaultRoute("crm")
          .listener(events::add)
          .listener(new MicrometerLeadListener(meters))
          .build()) {
        Throwable failure = router.route(lead).allDelivered().handle((r, e) -> e)
            .get(30, TimeUnit.SECONDS);
        observed.add(chain(failure instanceof CompletionException c ? c.getCause() : failure));
        List<DeliveryRecord> dead = router.deadLetters(DeliveryQuery.deadLetters());
        assertThat(dead).hasSize(1);
        observed.add(dead.toString());
        dead.forEach(d -> {
          observed.add(d.lastError().orElse(""));
          observed.add(String.valueOf(d.diagnosis().orElse(null)));
        });
      }
      observed.add(out.text());
      events.forEach(e -> observed.add(e.toString()));
      meters.getMeters().forEach(m -> observed.add(m.getId().toString()));
      observed.add(lead.toString());
    }

    String all = String.join("\n", observed);
    assertThat(calls).hasValue(3);
    assertThat(events).extracting(LeadEvent::type).contains(LeadEvent.Type.RETRYING, LeadEvent.Type.DEAD_LETTERED);
    assertThat(all).as("the test reached every observable")
        .contains("CRM_DUPLICATE", "duplicate value found", "stack trace of the sink's", "[redacted]", "j***@");
    assertThat(all).doesNotContain(SECRET.reveal(), "Cl1ent", EMAIL, "jane.doe", DESCRIPTION_EMAIL, "megan.bowen",
        "425 555 0100", "(425) 555-0199");
  }

  /** A destination answering success with the secret or the customer's e-mail as its record id. */
  @Test
  void recordIdEchoingTheSecretOrTheEmail_isNeitherJournaledNorShown() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    List<LeadEvent> events = new CopyOnWriteArrayList<>();
    List<String> observed = new ArrayList<>();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("journal.db")))
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().build(),
            l -> io.leadrouter.spi.DeliveryResult.created("rec:" + SECRET.reveal())))
        .addSink("archive", TestSinks.of(SinkCapabilities.builder().build(),
            l -> io.leadrouter.spi.DeliveryResult.created(l.customer().email())))
        .defaultRoute("crm", "archive").listener(events::add).build()) {
      observed.add(router.routeAndWait(lead, Duration.ofSeconds(30)).toString());
      observed.add(router.journal().deliveries(lead.id()).toString());
    }
    events.forEach(e -> observed.add(e.toString()));

    assertThat(String.join("\n", observed)).contains("rec:[redacted]", "j***@contoso.com")
        .doesNotContain(SECRET.reveal(), EMAIL);
  }

  private static String chain(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }
}
