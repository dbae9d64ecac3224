package io.leadrouter.internal.journal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps the journal writer's prepared statements for the connection's life. SQLite compiles a statement on every
 * {@code prepareStatement} and {@code route()} runs three per lead, so compiling them once is most of the difference
 * between the journal and a bare insert loop. {@link #connection()} is a view of the connection whose
 * {@code prepareStatement(String)} hands out the cached statement; closing it only clears its parameters and batch.
 * The least recently used statements beyond {@value #MAX} (dynamic listing queries) are closed. Only the writer
 * thread uses it.
 */
final class StatementCache {
  private static final int MAX = 64;

  private final Connection connection;
  private final Connection view;
  // the cached statement and the view handed out for it (one per statement, not one per use)
  private record Cached(PreparedStatement real, PreparedStatement view) {}

  private final Map<String, Cached> statements = new LinkedHashMap<>(MAX, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
      if (size() <= MAX) {
        return false;
      }
      closeQuietly(eldest.getValue().real());
      return true;
    }
  };

  StatementCache(Connection connection) {
    this.connection = connection;
    this.view = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
        new Class<?>[] {Connection.class}, this::onConnection);
  }

  /** The connection whose one-argument {@code prepareStatement} is cached. */
  Connection connection() {
    return view;
  }

  /** Closes every cached statement (before the connection is closed). */
  void clear() {
    statements.values().forEach(c -> closeQuietly(c.real()));
    statements.clear();
  }

  int size() {
    return statements.size();
  }

  private Object onConnection(Object proxy, Method m, Object[] args) throws Throwable {
    if (m.getName().equals("prepareStatement") && args != null && args.length == 1) {
      return statement((String) args[0]);
    }
    if (m.getName().equals("close")) {
      throw new UnsupportedOperationException("the journal owns the connection");
    }
    return invoke(connection, m, args);
  }

  private PreparedStatement statement(String sql) throws SQLException {
    Cached cached = statements.get(sql);
    if (cached == null || cached.real().isClosed()) {
      cached = cache(connection.prepareStatement(sql));
      statements.put(sql, cached);
    }
    return cached.view();
  }

  private static Cached cache(PreparedStatement real) {
    InvocationHandler handler = (proxy, m, args) -> {
      if (m.getName().equals("close") && (args == null || args.length == 0)) {
        real.clearParameters();
        real.clearBatch();
        return null;
      }
      Object result = direct(real, m.getName(), args);
      return result != NOT_DIRECT ? result : invoke(real, m, args);
    };
    return new Cached(real, (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, handler));
  }

  private static final Object NOT_DIRECT = new Object();

  /**
   * The calls the writer makes for every lead, made without reflection (Method.invoke was a quarter of the journal
   * writer's samples in a profile of route()); any other call, or another overload, returns {@link #NOT_DIRECT}.
   */
  private static Object direct(PreparedStatement real, String method, Object[] args) throws SQLException {
    int n = args == null ? 0 : args.length;
    switch (method) {
      case "setString":
        real.setString((Integer) args[0], (String) args[1]);
        return null;
      case "setLong":
        real.setLong((Integer) args[0], (Long) args[1]);
        return null;
      case "setInt":
        real.setInt((Integer) args[0], (Integer) args[1]);
        return null;
      case "setBytes":
        real.setBytes((Integer) args[0], (byte[]) args[1]);
        return null;
      case "setNull":
        if (n == 2) {
          real.setNull((Integer) args[0], (Integer) args[1]);
          return null;
        }
        return NOT_DIRECT;
      case "addBatch":
        if (n == 0) {
          real.addBatch();
          return null;
        }
        return NOT_DIRECT;
      case "executeBatch":
        return real.executeBatch();
      case "executeUpdate":
        return n == 0 ? real.executeUpdate() : NOT_DIRECT;
      case "executeQuery":
        return n == 0 ? real.executeQuery() : NOT_DIRECT;
      default:
        return NOT_DIRECT;
    }
  }

  @SuppressWarnings("deprecation") // isAccessible: whether this Method object already skips the access check
  private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
    if (!m.isAccessible()) {
      // a public method of a java.sql interface, so always allowed; without this, Method.invoke re-verified access on
      // every call (its one-entry cache misses as the connection's and the statements' classes alternate): 6 % of the
      // journal writer's samples in a profile of route() at one caller
      m.setAccessible(true);
    }
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static void closeQuietly(PreparedStatement ps) {
    try {
      ps.close();
    } catch (SQLException ignored) {
      // closing a statement of a connection about to close; nothing to recover
    }
  }
}
