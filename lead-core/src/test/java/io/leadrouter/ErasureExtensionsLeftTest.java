package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.file.FileSink;
import io.leadrouter.journal.SqliteJournal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasing by a bare phone number rightly leaves the leads holding it with an extension (a switchboard's number, shared
 * by colleagues), but said so only in a log line: a caller (a GDPR request handler, the CLI's {@code --json}) could not
 * tell the person that leads with their number remain, nor which form erases them. The receipt now carries it.
 */
@Timeout(120)
class ErasureExtensionsLeftTest {
  @TempDir Path dir;

  @Test
  void eraseByABareNumber_receiptCountsTheLeadsLeftByExtension_andTheExtensionFormErasesOne() {
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("archive", FileSink.open(dir.resolve("out.ndjson"))).defaultRoute("archive").build()) {
      String[] phones = {"+1 425 555 0100", "+1 425 555 0100 ext. 12", "+1-425-555-0100x14", "+1 425 555 0100 #14",
          "+1 425 555 0199 ext. 12"};
      for (int i = 0; i < phones.length; i++) {
        router.routeAndWait(Lead.builder().id("lead-" + i).email("p" + i + "@contoso.com").phone(phones[i])
            .build(), Duration.ofSeconds(30));
      }

      ErasureReceipt bare = router.erase(Person.byPhone("+1 (425) 555-0100"));

      assertThat(bare.leads()).isEqualTo(1);
      assertThat(bare.extensionsLeft()).containsExactly(Map.entry("12", 1L), Map.entry("14", 2L));
      assertThat(bare.leadsLeftWithExtension()).isEqualTo(3);
      // kept from the receipt's record: only what kind of identifier and the counts, never the extensions
      assertThat(router.erasures(1).get(0).extensionsLeft()).isEmpty();

      ErasureReceipt one = router.erase(Person.byPhone("+1 425 555 0100 ext. 12"));
      assertThat(one.leads()).isEqualTo(1);
      assertThat(one.extensionsLeft()).isEmpty();
      assertThat(router.erase(Person.byEmail("p0@contoso.com")).extensionsLeft()).isEmpty();
    }
  }
}
