package io.leadrouter.journal.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

/**
 * Takes a connection from the DataSource within the journal's network timeout. The driver's default login timeout is
 * none: against a server (or a proxy in front of it) that accepts the TCP connection and never answers, {@code
 * getConnection()} waited for ever, so opening the journal hung, and after a fail-over the writer's reconnect hung with
 * every {@code route()} behind it. The connection is made on a thread of its own (as the driver's own
 * {@code loginTimeout} does); one that arrives after the wait was given up is closed.
 */
public final class BoundedConnect {
  private BoundedConnect() {}

  /** The login did not complete in time: the server accepted the connection and did not answer. */
  public static final class LoginTimedOut extends SQLException {
    private static final long serialVersionUID = 1L;

    LoginTimedOut(Duration timeout) {
      super("the server accepted the connection but did not complete the login within the journal's networkTimeout"
          + " (" + timeout.toMillis() + " ms)", "08001");
    }
  }

  /** A connection from {@code dataSource}, or {@link LoginTimedOut} once {@code timeout} has passed without one. */
  public static Connection of(DataSource dataSource, Duration timeout) throws SQLException {
    CompletableFuture<Connection> made = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        Connection c = dataSource.getConnection();
        if (!made.complete(c)) {
          c.close(); // the caller gave up waiting
        }
      } catch (SQLException | RuntimeException | Error e) {
        made.completeExceptionally(e);
      }
    }, "leadrouter-journal-connect");
    t.setDaemon(true);
    t.start();
    try {
      return made.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LoginTimedOut timedOut = new LoginTimedOut(timeout);
      if (made.completeExceptionally(timedOut)) {
        throw timedOut;
      }
      return outcome(made); // it ended just now
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      made.completeExceptionally(e);
      throw new SQLException("interrupted while connecting to the journal's database", "08001", e);
    } catch (ExecutionException e) {
      return outcome(made);
    }
  }

  /** The connection {@code made} holds, or its failure thrown as it was. */
  private static Connection outcome(CompletableFuture<Connection> made) throws SQLException {
    try {
      return made.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while connecting to the journal's database", "08001", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof SQLException sql) {
        throw sql;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw (Error) cause;
    }
  }
}
