package io.leadrouter.journal;

import io.leadrouter.Lead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** A journal file cut short, as a copy interrupted half-way leaves it: the damage the open must refuse by name. */
final class TruncatedJournal {
  private TruncatedJournal() {}

  /**
   * Writes a journal of 200 leads at {@code db}, closes it (which checkpoints the WAL into the file) and cuts the file
   * to half its size, on a page boundary.
   *
   * @return the bytes left in the file
   */
  static byte[] writeHalf(Path db) throws IOException {
    Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
    try (LeadJournal j = SqliteJournal.open(db)) {
      for (int i = 0; i < 200; i++) {
        j.accept(Lead.builder().id("lead-" + i).createdTime(t0).email("jane@contoso.com")
            .source("AzureMarketplace-INS|contoso.crm").build(), List.of("crm"), t0);
      }
    }
    byte[] whole = Files.readAllBytes(db);
    byte[] half = Arrays.copyOf(whole, whole.length / 2 / 4096 * 4096);
    Files.write(db, half);
    return half;
  }
}
