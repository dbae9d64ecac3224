package io.leadrouter.journal.postgres.internal;

import io.leadrouter.journal.JournalException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.ds.common.BaseDataSource;

/**
 * Why the journal's database could not be reached, said with where it was looked for (host, port, database, user:
 * never the password) and what to check for this kind of failure (the driver's own message names none of them for an
 * unknown host, a refused login or a server that does not answer).
 */
public final class ConnectFailure {
  private ConnectFailure() {}

  /** The exception for a failed {@code getConnection()} of {@code dataSource}. */
  public static JournalException of(DataSource dataSource, SQLException e) {
    String where = where(dataSource);
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String reason = e.getMessage();
    String fix;
    UnknownHostException unknownHost = cause(e, UnknownHostException.class);
    if (where.contains("@")) {
      fix = "remove user:password@ from the URL (the driver does not read it; it took it for part of the host name)"
          + " and give the user and password to the DataSource; change the password, it may have been logged";
    } else if (unknownHost != null) {
      reason = "the host name does not resolve";
      fix = "check the host name in the URL";
    } else if (e instanceof java.sql.SQLTransientConnectionException && state.isEmpty()) {
      // a pool's own refusal (HikariCP: "Connection is not available, request timed out"), not the server's
      fix = "the DataSource (a connection pool) gave no connection in time: one journal holds up to "
          + DatabaseSettings.CONNECTIONS + " connections of it for as long as it is open (the writer, the LISTEN"
          + " connection, and the schema lock at open or the shared rate limits' connection): make the pool larger by "
          + DatabaseSettings.CONNECTIONS + ", or give the journal a DataSource of its own";
    } else if (e instanceof BoundedConnect.LoginTimedOut) {
      fix = "check that the server is up and not hung, and that a proxy or load balancer in front of it reaches it;"
          + " give the DataSource a loginTimeout to bound the wait yourself";
    } else if (state.equals("28P01") || state.equals("28000")) {
      fix = "check the user and the password given to the DataSource (the password is not shown)";
    } else if (state.equals("53300")) {
      fix = DatabaseSettings.TOO_MANY_CONNECTIONS;
    } else if (state.equals("3D000")) {
      fix = "check the database name in the URL, or create the database";
    } else if (state.startsWith("08")) {
      fix = "check the host and port in the URL, that the server is up and accepts TCP connections from here, and"
          + " that no firewall drops them";
    } else {
      fix = "check the DataSource's URL, user and password, and that the server is up";
    }
    String message = "cannot connect to the PostgreSQL journal's database" + where + ": " + reason + " (" + fix + ")";
    // a host written with user:password@ in front (which the driver does not read) would show in the cause's
    // message: the cause is dropped then, so no stack trace repeats it
    return where.contains("@") || unknownHost != null && String.valueOf(unknownHost.getMessage()).contains("@")
        ? new JournalException(message) : new JournalException(message, e);
  }

  /** " sales on db.internal:5432 as leadrouter", or "" when the DataSource is not the driver's own. */
  private static String where(DataSource dataSource) {
    try {
      if (!dataSource.isWrapperFor(BaseDataSource.class)) {
        return "";
      }
      BaseDataSource ds = dataSource.unwrap(BaseDataSource.class);
      String[] hosts = ds.getServerNames();
      int[] ports = ds.getPortNumbers();
      List<String> at = new ArrayList<>();
      for (int i = 0; hosts != null && i < hosts.length; i++) {
        String host = hosts[i];
        int userInfo = host.lastIndexOf('@');
        if (userInfo >= 0) {
          host = "(user info hidden)@" + host.substring(userInfo + 1); // never a password
        }
        int port = ports != null && ports.length > 0 ? ports[Math.min(i, ports.length - 1)] : 0;
        at.add(host + ":" + (port > 0 ? port : 5432));
      }
      return " " + ds.getDatabaseName() + " on " + String.join(",", at)
          + (ds.getUser() == null ? "" : " as " + ds.getUser());
    } catch (SQLException | RuntimeException | LinkageError e) {
      return "";
    }
  }

  private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
