package io.leadrouter.journal.spi;

import io.leadrouter.Lead;
import io.leadrouter.internal.journal.JdbcJournal;
import io.leadrouter.internal.journal.LeadPayload;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.Require;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

/**
 * Opens the JDBC journal (one writer connection, group commit, schema created and migrated) on a {@link SqlDialect}:
 * the seam through which journal modules such as lead-journal-postgres build on lead-core without its internals.
 *
 * <pre>{@code
 * LeadJournal journal = JdbcJournals.builder("jdbc:postgresql://db/sales (schema leadrouter)", connection, dialect)
 *     .maxBatch(256)
 *     .reconnect(() -> dataSource.getConnection())
 *     .open();
 * }</pre>
 */
public final class JdbcJournals {
  private JdbcJournals() {}

  /** Opens a new connection for the journal when its own broke (a server restart or fail-over). */
  @FunctionalInterface
  public interface Reconnect {
    /** A new connection, set up as the first one was (schema, ...); auto-commit is switched off by the journal. */
    Connection open() throws SQLException;
  }

  /**
   * A builder for the journal on {@code connection}, which the journal owns from {@link Builder#open()} on.
   *
   * @param description what to call the journal in messages (a file path, a URL without its query)
   */
  public static Builder builder(String description, Connection connection, SqlDialect dialect) {
    return new Builder(description, connection, dialect);
  }

  /**
   * The journal's own encoding of a lead, as stored in {@code lr_leads.payload}: for tools and baselines that write
   * journal rows directly.
   */
  public static byte[] encodePayload(Lead lead) {
    return LeadPayload.encode(Objects.requireNonNull(lead, "lead"));
  }

  /** Builds a JDBC journal: batch size, what to run on close, how to reconnect. */
  public static final class Builder {
    private final String description;
    private final Connection connection;
    private final SqlDialect dialect;
    private int maxBatch = 256;
    private Runnable onClose;
    private Reconnect reconnect;

    private Builder(String description, Connection connection, SqlDialect dialect) {
      this.description = Objects.requireNonNull(description, "description");
      this.connection = Objects.requireNonNull(connection, "connection");
      this.dialect = Objects.requireNonNull(dialect, "dialect");
    }

    /** The most operations taken into one transaction (default 256). */
    public Builder maxBatch(int maxBatch) {
      this.maxBatch = Require.atLeast(maxBatch, 1, "maxBatch");
      return this;
    }

    /** Run after the connection is closed (e.g. releasing a lock); nothing by default. */
    public Builder onClose(Runnable onClose) {
      this.onClose = onClose;
      return this;
    }

    /**
     * Replaces the connection when it breaks: the failed transaction's operations run once more on the new one, so
     * a database restart costs callers a delay, not an error. Without it (the default) a broken connection stays
     * broken: right for a file database.
     */
    public Builder reconnect(Reconnect reconnect) {
      this.reconnect = reconnect;
      return this;
    }

    /**
     * Creates or migrates the schema and starts the journal's writer.
     *
     * @throws io.leadrouter.journal.JournalException if the schema cannot be read or was written by a newer version
     */
    public LeadJournal open() {
      return new JdbcJournal(description, connection, dialect, maxBatch, onClose, reconnect);
    }
  }
}
