package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.ErasureReceipt;
import io.leadrouter.IntakeReceipt;
import io.leadrouter.LeadRouter;
import io.leadrouter.Person;
import io.leadrouter.file.FileSink;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A body the intake reads as UTF-16 or UTF-32 (by its byte-order mark or its zero bytes) and then quarantines (here:
 * a duplicate key) is kept as received, in that encoding; an erasure looked for the person in those bytes as UTF-8,
 * found nothing, and left the payload with their e-mail and phone in the journal (receipt: quarantine=0).
 */
@Timeout(60)
class QuarantineErasureTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32LE", "UTF-32BE"})
  void erase_quarantinedPayloadInAWideEncoding_isErasedByEmailAndByPhone(String charset) {
    String json = "{\"UserDetails\":{\"Email\":\"Yolanda.Quaintrelle@contoso.com\",\"email\":\"x\","
        + "\"Phone\":\"+1 425 555 0177\"},\"LeadSource\":\"SPZA-Create|x\"}";
    byte[] body = json.getBytes(Charset.forName(charset));
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("archive", FileSink.open(dir.resolve("leads.ndjson"))).defaultRoute("archive").build()) {
      for (int i = 0; i < 2; i++) {
        assertThat(router.intake(body, "test body " + i)).isInstanceOf(IntakeReceipt.Quarantined.class);
      }
      router.intake("{\"UserDetails\":{\"Email\":\"bob@contoso.com\",\"email\":\"x\"}}"
          .getBytes(StandardCharsets.UTF_16LE), "someone else's");

      ErasureReceipt byEmail = router.erase(Person.byEmail("yolanda.quaintrelle@CONTOSO.com"));
      assertThat(byEmail.rows()).containsEntry("quarantine", 2L);

      router.intake(body, "test body again");
      ErasureReceipt byPhone = router.erase(Person.byPhone("+1 (425) 555-0177"));
      assertThat(byPhone.rows()).containsEntry("quarantine", 1L);
      assertThat(router.quarantined(10)).singleElement()
          .satisfies(q -> assertThat(q.origin()).isEqualTo("someone else's"));
    }
  }

  /**
   * Before: the intake reads {@code ｙｏｌａｎｄａ＠ｃｏｎｔｏｓｏ．ｃｏｍ} (full width, as a CJK input method types it) as
   * {@code yolanda@contoso.com}, yet an erasure by that address compared in NFC only, so a quarantined payload holding
   * the full-width spelling, and a lead an older version kept with it, stayed in the journal after the erasure.
   */
  @org.junit.jupiter.api.Test
  void erase_byEmail_findsTheAddressSpelledInFullWidth_inQuarantineAndInLeads() {
    String wide = "\uFF59\uFF4F\uFF4C\uFF41\uFF4E\uFF44\uFF41\uFF20\uFF43\uFF4F\uFF4E\uFF54\uFF4F\uFF53\uFF4F"
        + "\uFF0E\uFF43\uFF4F\uFF4D";
    byte[] body = ("{\"UserDetails\":{\"Email\":\"" + wide + "\",\"email\":\"x\"},\"LeadSource\":\"SPZA-Create|x\"}")
        .getBytes(StandardCharsets.UTF_8);
    try (LeadJournal journal = SqliteJournal.open(dir.resolve("j.db"))) {
      journal.quarantine(body, "test", new io.leadrouter.spi.Diagnosis("PAYLOAD_DUPLICATE_KEY", "twice", "fix"),
          java.time.Instant.now());
      // as an older version accepted it, before the intake read the full-width form as the plain address
      journal.accept(io.leadrouter.Lead.builder().id("old-1").email(wide).build(), java.util.List.of("crm"),
          java.time.Instant.now());

      ErasureReceipt receipt = journal.erase(Person.byEmail("Yolanda@contoso.com"), java.time.Instant.now());

      assertThat(receipt.rows()).containsEntry("quarantine", 1L).containsEntry("leads", 1L);
      assertThat(journal.quarantineCount()).isZero();
    }
  }
}
