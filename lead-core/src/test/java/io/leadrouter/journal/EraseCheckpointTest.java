package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ErasureReceipt;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.file.FileSink;
import io.leadrouter.Person;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An erasure on SQLite ends with a truncating checkpoint, so that neither the journal file nor its -wal keeps the
 * erased rows' old pages. Another connection reading the file (a {@code sqlite3} shell, {@code leadrouter inspect},
 * a backup) blocks that checkpoint; the erasure used to return as though the person were gone while both files still
 * held their e-mail.
 */
@Timeout(120)
class EraseCheckpointTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final String EMAIL = "zanzibar.quillfeather@contoso.com";

  @TempDir Path dir;

  @Test
  void erase_whileAReaderBlocksTheCheckpoint_saysThePersonMayRemainInTheFiles_andErasingAgainRemovesThem()
      throws Exception {
    Path db = dir.resolve("j.db");
    try (LeadJournal j = SqliteJournal.open(db)) {
      LeadId id = LeadId.of("lead-zq");
      j.accept(Lead.builder().id(id).createdTime(T0).firstName("Zanzibar").email(EMAIL).build(), List.of("crm"),
          T0);
      j.accept(Lead.builder().id("lead-other").createdTime(T0).email("bob@contoso.com").build(), List.of("crm"), T0);
      try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + db)) {
        reader.setAutoCommit(false);
        try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM lr_leads")) {
          assertThat(rs.next()).isTrue(); // the reader now holds its snapshot, as an open sqlite3 transaction does
        }
        assertThatThrownBy(() -> j.erase(Person.byEmail(EMAIL), T0))
            .isInstanceOf(JournalException.class)
            .hasMessageContaining("another connection")
            .hasMessageContaining("erase again")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(EMAIL).doesNotContain("zanzibar"));
        assertThat(found(db)).as("what the blocked checkpoint left").isNotEmpty();
        reader.rollback();
      }
      assertThat(j.lead(id)).as("the rows are gone all the same").isEmpty();
      ErasureReceipt again = j.erase(Person.byEmail(EMAIL), T0.plusSeconds(1));
      assertThat(again.leads()).isZero();
      assertThat(found(db)).as("after erasing again, the reader gone").isEmpty();
      assertThat(j.lead(LeadId.of("lead-other"))).isPresent();
    }
  }

  @Test
  void routerErase_whileAReaderBlocksTheCheckpoint_stillErasesTheFileSink_andTellsTheCallerToEraseAgain()
      throws Exception {
    Path db = dir.resolve("j.db");
    Path out = dir.resolve("leads.ndjson");
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db)).addSink("archive", FileSink.open(out))
        .defaultRoute("archive").build();
    try {
      router.route(Lead.builder().id("lead-zq").createdTime(T0).firstName("Zanzibar").email(EMAIL).build())
          .deliveries().get("archive").get(60, TimeUnit.SECONDS);
      try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + db)) {
        reader.setAutoCommit(false);
        try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM lr_leads")) {
          assertThat(rs.next()).isTrue();
        }
        assertThatThrownBy(() -> router.erase(Person.byEmail(EMAIL)))
            .isInstanceOf(LeadRouterException.class)
            .hasMessageContaining("not yet from: the files of the journal " + db)
            .hasMessageContaining("erase again");
        reader.rollback();
      }
      assertThat(Files.readString(out)).as("the file sink's copy is erased all the same").doesNotContain("Zanzibar");
      assertThat(router.erasures(10)).singleElement().satisfies(r -> assertThat(r.rows())
          .containsEntry("leads", 1L).containsEntry("sink.archive", 1L));
      router.erase(Person.byEmail(EMAIL));
      assertThat(found(db)).isEmpty();
    } finally {
      router.close();
    }
  }

  /** Which of the files beside the journal (itself, -wal, -shm) hold the person's e-mail or name, in any case. */
  private static List<String> found(Path db) throws Exception {
    return JournalFiles.holding(db, EMAIL, "zanzibar");
  }
}
