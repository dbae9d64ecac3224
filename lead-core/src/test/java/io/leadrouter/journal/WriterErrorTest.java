package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.Person;
import io.leadrouter.internal.journal.SqliteDialect;
import io.leadrouter.journal.spi.JdbcJournals;
import io.leadrouter.journal.spi.SqlDialect;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An {@link Error} thrown inside the journal's writer (out of memory, a class that failed to load) while it runs an
 * operation. The caller of that operation must be told, not left waiting for ever, and the writer must go on with the
 * next operations. An erasure used to hang: it runs apart from the batch, and only the batch was failed.
 */
@Timeout(60)
class WriterErrorTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final String EMAIL = "zanzibar.quillfeather@contoso.com";

  @TempDir Path dir;

  /** SQLite's dialect, except that the step named {@code method} throws {@code error} once, when armed. */
  private static SqlDialect throwingOnce(String method, AtomicReference<Error> error) {
    SqlDialect sqlite = new SqliteDialect();
    return (SqlDialect) Proxy.newProxyInstance(SqlDialect.class.getClassLoader(), new Class<?>[] {SqlDialect.class},
        (proxy, m, args) -> {
          Error e = m.getName().equals(method) ? error.getAndSet(null) : null;
          if (e != null) {
            throw e;
          }
          try {
            return m.invoke(sqlite, args);
          } catch (InvocationTargetException ite) {
            throw ite.getCause();
          }
        });
  }

  private LeadJournal open(SqlDialect dialect) throws Exception {
    return JdbcJournals.builder("test journal", DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("j.db")),
        dialect).open();
  }

  @Test
  void errorWhileErasing_theEraseCallerIsTold_andTheJournalGoesOn() throws Exception {
    AtomicReference<Error> error = new AtomicReference<>();
    try (LeadJournal j = open(throwingOnce("beforeErase", error))) {
      j.accept(Lead.builder().id("lead-zq").createdTime(T0).email(EMAIL).build(), List.of("crm"), T0);
      error.set(new OutOfMemoryError("simulated in the writer"));

      CompletableFuture<?> erase = CompletableFuture.supplyAsync(() -> j.erase(Person.byEmail(EMAIL), T0));
      assertThatThrownBy(() -> erase.get(20, TimeUnit.SECONDS))
          .as("the erasure fails at once instead of waiting for ever")
          .hasRootCauseInstanceOf(OutOfMemoryError.class);

      // the writer is alive: the same erasure now runs, and a new lead is taken
      assertThat(j.erase(Person.byEmail(EMAIL), T0).leads()).isEqualTo(1);
      assertThat(j.lead(LeadId.of("lead-zq"))).isEmpty();
      assertThat(j.accept(Lead.builder().id("lead-next").createdTime(T0).email("bob@contoso.com").build(),
          List.of("crm"), T0)).isNotNull();
    }
  }

  @Test
  void errorInABatch_itsTransactionIsRolledBack_notCommittedByTheNextBatch() throws Exception {
    AtomicReference<Error> error = new AtomicReference<>();
    try (LeadJournal j = open(throwingOnce("announceAccepted", error))) {
      error.set(new OutOfMemoryError("simulated in the writer"));
      assertThatThrownBy(() -> j.accept(Lead.builder().id("lead-told-failed").createdTime(T0).build(),
          List.of("crm"), T0)).as("the caller is told the lead was not stored").isNotNull();

      j.accept(Lead.builder().id("lead-next").createdTime(T0).build(), List.of("crm"), T0);
      assertThat(j.lead(LeadId.of("lead-told-failed"))).as("what its caller was told failed was not committed")
          .isEmpty();
      assertThat(j.lead(LeadId.of("lead-next"))).isPresent();
    }
  }
}
