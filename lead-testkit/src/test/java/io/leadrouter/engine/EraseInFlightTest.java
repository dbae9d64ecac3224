package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.ErasureReceipt;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.Person;
import io.leadrouter.file.FileSink;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.testkit.ForwardingLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasing a person while one of their leads is being written to the file sink: the erasure must not finish before
 * that write, or the line lands in the file after the file was erased and stays there.
 */
@Timeout(120)
class EraseInFlightTest {
  @TempDir Path dir;

  /** The real file sink, reached a moment late: as a destination whose call is under way when the erasure starts. */
  private static final class LateFileSink extends ForwardingLeadSink {
    final CountDownLatch sending = new CountDownLatch(1);
    final CountDownLatch erasing = new CountDownLatch(1);
    volatile CompletableFuture<ErasureReceipt> erasure = new CompletableFuture<>();

    LateFileSink(Path path) {
      super(FileSink.open(path));
    }

    @Override
    public DeliveryResult deliver(Lead lead) throws DeliveryException {
      sending.countDown();
      try {
        erasing.await(30, TimeUnit.SECONDS);
        // the write lands after the erasure ended, if the erasure ends without waiting for it (bounded: an erasure
        // that waits for this call, as it must, ends only after it)
        erasure.get(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // the erasure waits for this write: go on
      }
      return super.deliver(lead);
    }
  }

  @Test
  void erase_whileTheFileSinkIsWritingThePersonsLead_leavesNoLineOfThemInTheFile() throws Exception {
    Path out = dir.resolve("leads.ndjson");
    LateFileSink archive = new LateFileSink(out);
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
        .addSink("archive", archive).defaultRoute("archive").build()) {
      Lead lead = SampleLeads.azureMarketplaceInstall();
      String email = lead.customer().email();
      router.route(lead);
      assertThat(archive.sending.await(30, TimeUnit.SECONDS)).as("the write started").isTrue();
      CompletableFuture<ErasureReceipt> erased = CompletableFuture.supplyAsync(() -> router.erase(
          Person.byEmail(email)));
      archive.erasure = erased;
      archive.erasing.countDown();
      ErasureReceipt receipt = erased.get(90, TimeUnit.SECONDS);
      assertThat(receipt.erasedLeads()).contains(lead.id());
      assertThat(Files.exists(out) ? Files.readString(out) : "").as("the file after the erasure")
          .doesNotContain(email).doesNotContain(lead.id().toString());
    }
  }
}
