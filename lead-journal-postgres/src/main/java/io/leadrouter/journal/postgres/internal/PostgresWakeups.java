package io.leadrouter.journal.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the journal's {@code NOTIFY} channel on a connection of its own and tells subscribers which destination
 * has fresh leads, so an idle router starts a lead accepted by another router (or in a caller's transaction) within
 * milliseconds instead of at its next poll. Started by the first subscriber. If the connection breaks it reconnects
 * after a second; notifications sent meanwhile are lost, which only means those leads wait for the workers' poll.
 */
public final class PostgresWakeups implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresWakeups.class);
  private static final int WAIT_MILLIS = 500;
  private static final long CHECK_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

  private final DataSource dataSource;
  private final String channel;
  private final IntPredicate ownBackend;
  private final java.time.Duration networkTimeout;
  private final List<Consumer<String>> subscribers = new CopyOnWriteArrayList<>();
  private volatile boolean running = true;
  private volatile Connection connection;
  private Thread thread;

  /**
   * @param dataSource where the listening connection comes from
   * @param channel the channel ({@link PostgresDialect#channel})
   * @param ownBackend whether a notification's sender is this journal's own writer (its routes wake its workers
   *     directly, so its notifications are skipped)
   */
  public PostgresWakeups(DataSource dataSource, String channel, IntPredicate ownBackend) {
    this(dataSource, channel, ownBackend, java.time.Duration.ofSeconds(60));
  }

  /**
   * @param networkTimeout how long the listening connection may wait for the answer to its periodic check: a
   *     connection whose server vanished without closing it is then replaced instead of listening to nothing for ever
   */
  public PostgresWakeups(DataSource dataSource, String channel, IntPredicate ownBackend,
      java.time.Duration networkTimeout) {
    this.networkTimeout = Objects.requireNonNull(networkTimeout, "networkTimeout");
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.channel = Objects.requireNonNull(channel, "channel");
    this.ownBackend = Objects.requireNonNull(ownBackend, "ownBackend");
  }

  /** Adds a subscriber, told a destination's name each time it has fresh leads; starts listening on first use. */
  public synchronized void subscribe(Consumer<String> subscriber) {
    subscribers.add(Objects.requireNonNull(subscriber, "subscriber"));
    if (thread == null && running) {
      thread = new Thread(this::run, "leadrouter-journal-listener");
      thread.setDaemon(true);
      thread.start();
    }
  }

  private void run() {
    while (running) {
      try {
        listen();
      } catch (SQLException | RuntimeException e) {
        if (running) {
          LOG.warn("journal wake-ups on channel {}: {}; listening again in 1 s (meanwhile workers poll)", channel,
              e.getMessage());
          closeConnection();
          sleep(1000);
        }
      }
    }
    closeConnection();
  }

  private void listen() throws SQLException {
    Connection c = BoundedConnect.of(dataSource, networkTimeout);
    connection = c;
    NetworkTimeout.set(c, networkTimeout);
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      s.execute("LISTEN \"" + channel + "\"");
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    long checked = System.nanoTime();
    while (running) {
      PGNotification[] got = pg.getNotifications(WAIT_MILLIS);
      if (System.nanoTime() - checked > Math.min(CHECK_NANOS, networkTimeout.toNanos())) {
        // waiting for notifications never fails on a connection whose server vanished without closing it: ask it
        // something now and then (an answer within the network timeout, or the connection is replaced)
        try (Statement s = c.createStatement()) {
          s.execute("SELECT 1");
        }
        checked = System.nanoTime();
      }
      if (got == null) {
        continue;
      }
      for (PGNotification n : got) {
        if (ownBackend.test(n.getPID())) {
          continue;
        }
        for (Consumer<String> s : subscribers) {
          try {
            s.accept(n.getParameter());
          } catch (RuntimeException e) {
            LOG.warn("journal wake-up subscriber failed: {}", e.toString());
          }
        }
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeConnection() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      running = false;
      t = thread;
    }
    if (t != null) {
      try {
        t.join(WAIT_MILLIS * 4L);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeConnection();
  }
}
