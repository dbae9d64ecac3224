package io.leadrouter.journal.postgres.internal;

import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.SharedRateLimiter;
import io.leadrouter.spi.SinkCapabilities.RateLimit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A destination's rate limit as one row of {@code lr_rate_limits}: a fixed window of {@code permits} calls per
 * {@code period}, windows aligned on the database's clock, taken with one atomic upsert. Every router on the schema
 * counts in the same row, so together they make at most {@code permits} calls per window (the same fixed-window
 * semantics as the router's own limiter).
 */
public final class PostgresRateLimiter implements SharedRateLimiter {
  // one statement: the database's time, the window it falls in, and a permit if the window has one left
  private static final String TAKE = "WITH w AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS"
      + " now_ms), taken AS (INSERT INTO %s.lr_rate_limits AS r (destination, window_start, used)"
      + " SELECT ?, now_ms - now_ms %% ?, 1 FROM w ON CONFLICT (destination) DO UPDATE SET"
      + " used = CASE WHEN r.window_start < EXCLUDED.window_start THEN 1 ELSE r.used + 1 END,"
      + " window_start = GREATEST(r.window_start, EXCLUDED.window_start)"
      + " WHERE r.window_start < EXCLUDED.window_start OR r.used < ? RETURNING r.used)"
      + " SELECT (SELECT used FROM taken), now_ms FROM w";

  private final Supplier<Connection> connection;
  private final String sql;
  private final String destination;
  private final RateLimit limit;

  /**
   * A limiter for one destination.
   *
   * @param connection the connection to use (auto-commit; callers serialise on it)
   * @param schema the journal's schema
   * @param destination the sink's name
   * @param limit the permits per period
   */
  public PostgresRateLimiter(Supplier<Connection> connection, String schema, String destination, RateLimit limit) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.sql = String.format(TAKE, Objects.requireNonNull(schema, "schema"));
    this.destination = Objects.requireNonNull(destination, "destination");
    this.limit = Objects.requireNonNull(limit, "limit");
  }

  @Override
  public void acquire() throws InterruptedException {
    while (true) {
      long wait = take();
      if (wait == 0) {
        return;
      }
      Thread.sleep(wait); // until the next window opens (on the database's clock)
    }
  }

  /** Takes a permit if the current window has one; returns whether it did. */
  public boolean tryAcquire() {
    return take() == 0;
  }

  /**
   * Takes a permit: 0 if taken, else the milliseconds until the next window. A connection broken since the last
   * permit (a server restart, a fail-over, an ended session) is replaced once and the permit taken on the new one:
   * failing here would leave the worker's claimed leads in flight until their lease ends.
   */
  private long take() {
    SQLException failed = null;
    for (int attempt = 0; attempt < 2; attempt++) {
      Connection c = connection.get();
      synchronized (c) {
        try {
          return take(c);
        } catch (SQLException e) {
          failed = e;
          if (usable(c)) {
            break; // not the connection: a failure that a new one would repeat
          }
          close(c); // the supplier opens a new one
        }
      }
    }
    throw new JournalException("cannot take a permit of destination '" + destination + "' from the shared rate"
        + " limit: " + failed.getMessage(), failed);
  }

  private long take(Connection c) throws SQLException {
    long period = Math.max(1, limit.period().toMillis());
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, destination);
      ps.setLong(2, period);
      ps.setInt(3, limit.permits());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        rs.getInt(1);
        if (!rs.wasNull()) {
          return 0;
        }
        return period - rs.getLong(2) % period + 1;
      }
    }
  }

  private static boolean usable(Connection c) {
    try {
      return !c.isClosed() && c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private static void close(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // broken already
    }
  }
}
