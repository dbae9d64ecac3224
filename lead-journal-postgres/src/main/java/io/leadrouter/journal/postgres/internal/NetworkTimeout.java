package io.leadrouter.journal.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/** Bounds how long the journal's connections wait for the server's answer ({@link Connection#setNetworkTimeout}). */
public final class NetworkTimeout {
  private NetworkTimeout() {}

  /**
   * Sets {@code timeout} on {@code c}: a read that waits longer fails and the driver closes the connection, which the
   * journal then replaces. Pools reset it when the connection goes back.
   */
  public static void set(Connection c, Duration timeout) throws SQLException {
    c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
  }
}
