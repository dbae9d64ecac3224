package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Diagnosis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's quarantine (#16): durable across reopen, listed, shown masked, re-diagnosed, purged, counted. */
class QuarantineJournalTest {
  private static final Diagnosis WHY = new Diagnosis("PAYLOAD_DUPLICATE_KEY", "UserDetails.email at line 1, column 35:"
      + " the key appears twice", "send each key once");
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  @TempDir Path dir;

  @Test
  void quarantinedPayload_survivesReopen_exactlyAsReceived() {
    byte[] payload = {'{', '"', 'a', '"', ':', '"', (byte) 0xC0, (byte) 0x80, '"', '}'};
    long id;
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      id = j.quarantine(payload, "route in.ndjson line 3", WHY, T0);
    }
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      QuarantinedPayload q = j.quarantined(id).orElseThrow();
      assertThat(q.payload()).isEqualTo(payload);
      assertThat(q.origin()).isEqualTo("route in.ndjson line 3");
      assertThat(q.diagnosis()).isEqualTo(WHY);
      assertThat(q.receivedAt()).isEqualTo(T0);
      assertThat(j.quarantineCount()).isEqualTo(1);
    }
  }

  @Test
  void list_show_rediagnose_release_purge() {
    try (LeadJournal j = InMemoryJournal.create()) {
      long a = j.quarantine(bytes("{\"UserDetails\":{\"Email\":\"jane.doe@contoso.com\",\"email\":\"x@evil.example\","
          + "\"Phone\":\"+1 425 555 0100\"}}"), "serve", WHY, T0);
      long b = j.quarantine(bytes("[1]"), "serve", WHY, T0.plusSeconds(60));

      assertThat(j.quarantined(10)).extracting(QuarantinedPayload::id).containsExactly(b, a);
      QuarantinedPayload shown = j.quarantined(a).orElseThrow();
      assertThat(shown.maskedText()).isEqualTo("{\"UserDetails\":{\"Email\":\"j***@contoso.com\",\"email\":"
          + "\"x***@evil.example\",\"Phone\":\"***00\"}}");
      assertThat(shown.toString()).doesNotContain("jane", "555");

      Diagnosis newer = new Diagnosis("PAYLOAD_WRONG_TYPE", "x", "y");
      j.rediagnose(b, newer);
      assertThat(j.quarantined(b).orElseThrow().diagnosis()).isEqualTo(newer);

      assertThat(j.releaseQuarantined(b)).isTrue();
      assertThat(j.releaseQuarantined(b)).isFalse();
      assertThat(j.purgeQuarantined(T0)).isZero();
      assertThat(j.purgeQuarantined(T0.plusSeconds(1))).isEqualTo(1);
      assertThat(j.quarantineCount()).isZero();
    }
  }

  @Test
  void journalOfSchemaVersion1_isMigrated_keepingItsLeads() throws Exception {
    Path file = Version1Journal.create(dir.resolve("old.db"));
    try (LeadJournal j = SqliteJournal.open(file)) {
      long id = j.quarantine(bytes("x"), "test", WHY, T0);
      assertThat(j.quarantined(id)).isPresent();
    }
    assertThat(Version1Journal.schemaVersion(file)).isEqualTo(io.leadrouter.internal.journal.JournalSchema.VERSION);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
