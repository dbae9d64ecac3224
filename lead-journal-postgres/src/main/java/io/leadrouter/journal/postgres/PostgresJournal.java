package io.leadrouter.journal.postgres;

import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.spi.JdbcJournals;
import io.leadrouter.journal.postgres.internal.BoundedConnect;
import io.leadrouter.journal.postgres.internal.PostgresDialect;
import io.leadrouter.journal.postgres.internal.ConnectFailure;
import io.leadrouter.journal.postgres.internal.DatabaseIdentity;
import io.leadrouter.journal.postgres.internal.DatabaseSettings;
import io.leadrouter.journal.postgres.internal.NetworkTimeout;
import io.leadrouter.journal.postgres.internal.PostgresWakeups;
import io.leadrouter.journal.postgres.internal.SchemaCheck;
import io.leadrouter.journal.postgres.internal.SharedJournal;
import io.leadrouter.spi.Require;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The journal on PostgreSQL, shared by any number of routers: each due delivery is claimed by exactly one of them
 * ({@code FOR UPDATE SKIP LOCKED} with a lease), a crashed router's claims are taken over when their lease ends,
 * quota parking and rate limits hold for all of them together, and {@code LeadRouter.route(lead, connection)}
 * enqueues a lead inside the application's own transaction. The library creates and migrates its tables in one
 * schema ({@code leadrouter} by default).
 *
 * <pre>{@code
 * LeadRouter router = LeadRouter.builder()
 *     .journal(PostgresJournal.using(dataSource))
 *     .addSink("crm", crmSink).defaultRoute("crm")
 *     .build();
 * }</pre>
 */
public final class PostgresJournal {
  /** The schema used unless {@link Builder#schema} names another. */
  public static final String DEFAULT_SCHEMA = "leadrouter";
  private static final Duration DEFAULT_NETWORK_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private PostgresJournal() {}

  /** Opens the journal in schema {@value #DEFAULT_SCHEMA} of the database, creating or migrating its tables. */
  public static LeadJournal using(DataSource dataSource) {
    return builder(dataSource).build();
  }

  /** A builder for the journal on this database. */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /** Builds a PostgreSQL journal: schema, lease and batch size. */
  public static final class Builder {
    private final DataSource dataSource;
    private String schema = DEFAULT_SCHEMA;
    private Optional<Duration> lease = Optional.empty();
    private int maxBatch = 256;
    private Duration networkTimeout = DEFAULT_NETWORK_TIMEOUT;

    private Builder(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** The schema holding the journal's tables (default {@value #DEFAULT_SCHEMA}); created if missing. */
    public Builder schema(String schema) {
      Objects.requireNonNull(schema, "schema");
      if (!IDENTIFIER.matcher(schema).matches()) {
        throw new IllegalArgumentException("schema '" + schema + "' is not a plain PostgreSQL identifier: use"
            + " lower-case letters, digits and _ (at most 63, not starting with a digit)");
      }
      this.schema = schema;
      return this;
    }

    /**
     * How long a claimed delivery belongs to the router that claimed it before another may take it over (default:
     * the router's lease). Make it longer than the slowest delivery, rate-limit waits included.
     */
    public Builder lease(Duration lease) {
      this.lease = Optional.of(Require.positive(lease, "lease"));
      return this;
    }

    /**
     * How long the journal waits for the database to answer on one of its connections before it gives the connection
     * up and makes a new one (default 60 s). Without it, a connection whose server vanished without closing it (a
     * fail-over, a firewall dropping packets) would block the journal's writer, and every {@code route()}, for ever.
     * Make it longer than the slowest statement the journal runs (its longest are the {@code VACUUM} after an erasure
     * and the retention's batched deletes).
     */
    public Builder networkTimeout(Duration networkTimeout) {
      this.networkTimeout = Require.positive(networkTimeout, "networkTimeout");
      return this;
    }

    /** The most operations of this router committed in one transaction (default 256). */
    public Builder maxBatch(int maxBatch) {
      this.maxBatch = Require.atLeast(maxBatch, 1, "maxBatch");
      return this;
    }

    /**
     * Opens the journal: takes one connection (and one more for shared rate limits, when used), replaced from the
     * DataSource if it breaks (a server restart or fail-over: the failed transaction is run again on the new one),
     * creates the schema and tables or migrates them, one router at a time.
     *
     * @throws JournalException if the database cannot be reached, or its journal was written by a newer version
     */
    public LeadJournal build() {
      Connection lock = connect();
      try {
        // routers starting together create or migrate the schema one at a time, under a lock that ends with the
        // lock connection's transaction (a pooled connection's session would outlive close())
        lock.setAutoCommit(false);
        DatabaseSettings.holdingLock(lock);
        DatabaseSettings.checkSchemaName(lock, schema);
        DatabaseSettings.checkWritable(lock, describe(lock));
        lockSchema(lock);
        // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists: a user granted only
        // the schema could not open it
        if (!SchemaCheck.schemaExists(lock, schema)) {
          SchemaCheck.createSchema(lock, schema);
        }
        lock.commit(); // now the journal's connection sees the schema
        DatabaseSettings.holdingLock(lock);
        lockSchema(lock);
        Connection c = connect();
        try {
          String description = describe(c);
          SchemaCheck check = new SchemaCheck(schema, description);
          check.beforeMigration(c);
          c.setSchema(schema); // pools reset it when the connection goes back
          DatabaseSettings.liftTimeouts(c); // while the tables are created or migrated
          // the writer's server process: its own NOTIFYs are skipped (its routes wake its workers directly)
          AtomicInteger writerPid = new AtomicInteger(backendPid(c));
          LeadJournal journal = open(description, c, check, writerPid, lock);
          try {
            // set once the tables are created or migrated (an index built on a large table may take long); the
            // writer has had nothing to run yet
            NetworkTimeout.set(c, networkTimeout);
            DatabaseSettings.restoreTimeouts(c);
            DatabaseSettings.idleTimeoutAtLeast(c, networkTimeout);
            check.afterMigration(lock);
            DatabaseIdentity identity = DatabaseIdentity.of(lock);
            PostgresWakeups wakeups = new PostgresWakeups(dataSource, PostgresDialect.channel(schema),
                pid -> pid == writerPid.get(), networkTimeout);
            return new SharedJournal(journal, dataSource, schema, lease, wakeups, identity, description,
                networkTimeout, userOf(c));
          } catch (SQLException | RuntimeException e) {
            journal.close();
            throw e;
          }
        } catch (SQLException | RuntimeException e) {
          close(c);
          throw e;
        }
      } catch (SQLException e) {
        throw new JournalException("cannot open the PostgreSQL journal in schema " + schema + ": " + e.getMessage()
            + DatabaseSettings.explain(e, userOf(lock)).map(fix -> " (" + fix + ")").orElse(""), e);
      } finally {
        try {
          lock.rollback(); // releases the lock
        } catch (SQLException e) {
          // closing anyway
        }
        close(lock);
      }
    }

    /** Opens the JDBC journal (creating or migrating its tables); a failed migration says what to fix. */
    private LeadJournal open(String description, Connection c, SchemaCheck check, AtomicInteger writerPid,
        Connection lock) {
      try {
        return JdbcJournals.builder(description, c, new PostgresDialect(schema))
            .maxBatch(maxBatch)
            .reconnect(() -> {
              // after a server restart or fail-over
              Connection again = BoundedConnect.of(dataSource, networkTimeout);
              NetworkTimeout.set(again, networkTimeout);
              again.setSchema(schema);
              DatabaseSettings.idleTimeoutAtLeast(again, networkTimeout);
              writerPid.set(backendPid(again));
              return again;
            })
            .open();
      } catch (JournalException e) {
        Optional<String> setting = DatabaseSettings.explain(e, userOf(lock));
        if (setting.isPresent()) { // the writer's message speaks of a damaged file
          throw new JournalException("cannot open the PostgreSQL journal " + description + ": "
              + DatabaseSettings.rootMessage(e) + " (" + setting.get() + ")", e);
        }
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
          if (t instanceof SQLException sql) {
            Optional<String> explained = check.explainMigrationFailure(sql, lock); // c is closed
            if (explained.isPresent()) {
              throw new JournalException(explained.get(), e);
            }
            break;
          }
        }
        throw e;
      }
    }

    /** The user {@code c} logged in as (read from the driver: {@code c} may be broken), or "the journal's user". */
    private static String userOf(Connection c) {
      return SchemaCheck.loginUser(c, "<the journal's user>");
    }

    private static int backendPid(Connection c) throws SQLException {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
        rs.next();
        return rs.getInt(1);
      }
    }

    private void lockSchema(Connection c) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
        ps.setString(1, "leadrouter-journal:" + schema);
        ps.execute();
      }
    }

    private Connection connect() {
      try {
        Connection c = BoundedConnect.of(dataSource, networkTimeout);
        c.setAutoCommit(true);
        return c;
      } catch (SQLException e) {
        throw ConnectFailure.of(dataSource, e);
      }
    }

    private String describe(Connection c) throws SQLException {
      String url = c.getMetaData().getURL();
      int query = url.indexOf('?'); // the query may hold a password
      return (query < 0 ? url : url.substring(0, query)) + " (schema " + schema + ")";
    }

    private static void close(Connection c) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
  }
}
