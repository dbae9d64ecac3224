package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.Await;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quota answer whose resume time has already passed (a sink's clock behind, a vendor's reset time misread, a
 * plugin answering "now") must not turn into a busy loop against the destination, as a {@code Retry-After: 0} did:
 * the park lasts at least a second.
 */
@Timeout(60)
class QuotaResumeInThePastTest {
  @TempDir Path dir;

  @Test
  void quotaResumingInThePast_parksAtLeastASecond_noBusyLoop() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().build(), lead -> {
          calls.incrementAndGet();
          throw new QuotaExceededException(new Diagnosis("DAILY_QUOTA", "quota spent", "wait for the reset"),
              Instant.parse("2020-01-01T00:00:00Z"));
        }), DeliveryPolicy.DEFAULTS)
        .defaultRoute("crm").build()) {
      router.route(SampleLeads.azureMarketplaceInstall());
      Await.until("the first call", Duration.ofSeconds(30), () -> calls.get() >= 1);
      long start = System.nanoTime();
      Await.until("two seconds", Duration.ofSeconds(10), () -> System.nanoTime() - start > 2_000_000_000L);
      assertThat(calls.get()).as("calls in about 2 s for one lead whose quota 'resumed' in 2020").isLessThanOrEqualTo(4);
    }
  }
}
