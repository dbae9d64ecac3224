package io.leadrouter.journal.postgres.internal;

import io.leadrouter.Lead;
import io.leadrouter.journal.AcceptResult;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.ForwardingLeadJournal;
import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.Settlement;
import io.leadrouter.journal.SharedRateLimiter;
import io.leadrouter.spi.SinkCapabilities.RateLimit;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The PostgreSQL journal: the JDBC journal (one connection, group commit, enqueueing in the caller's transaction) on
 * {@link PostgresDialect}, plus what only a shared database offers: wake-ups when another router accepted leads
 * ({@code LISTEN}) and rate limits shared by every router. Unlike
 * SQLite it never returns in-flight deliveries to pending at open (other routers may be delivering them); expired
 * leases are taken over instead.
 */
public final class SharedJournal extends ForwardingLeadJournal {
  private final DataSource dataSource;
  private final String schema;
  private final Optional<Duration> lease;
  private final PostgresWakeups wakeups;
  private final DatabaseIdentity identity;
  private final Duration networkTimeout;
  private final String description;
  private final String user;
  // the lease this router's claims hold: how long a settlement may wait for the database to be back
  private volatile Duration claimLease = Duration.ofMinutes(5);
  private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "leadrouter-journal-settle-retry");
    t.setDaemon(true);
    return t;
  });
  private Connection limiterConnection;

  /**
   * Wraps an open JDBC journal.
   *
   * @param journal the journal on the schema
   * @param dataSource where the rate limiters take their connection from
   * @param schema the journal's schema
   * @param lease the lease claims take, overriding the router's, if set
   * @param wakeups the listener for other routers' fresh leads
   * @param identity the journal's database, which a caller's transaction must be on
   * @param description the journal as messages name it
   * @param networkTimeout how long the rate limiters' connection may wait for an answer
   * @param user the user the journal logs in as, named in what to fix
   */
  public SharedJournal(LeadJournal journal, DataSource dataSource, String schema, Optional<Duration> lease,
      PostgresWakeups wakeups, DatabaseIdentity identity, String description, Duration networkTimeout, String user) {
    super(journal);
    this.user = Objects.requireNonNull(user, "user");
    this.networkTimeout = Objects.requireNonNull(networkTimeout, "networkTimeout");
    this.identity = Objects.requireNonNull(identity, "identity");
    this.description = Objects.requireNonNull(description, "description");
    this.wakeups = Objects.requireNonNull(wakeups, "wakeups");
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.schema = Objects.requireNonNull(schema, "schema");
    this.lease = Objects.requireNonNull(lease, "lease");
  }

  @Override
  public boolean sharedByRouters() {
    return true;
  }

  @Override
  public void subscribeDue(Consumer<String> listener) {
    wakeups.subscribe(listener);
  }

  @Override
  public Optional<SharedRateLimiter> sharedRateLimiter(String destination, RateLimit limit) {
    return Optional.of(new PostgresRateLimiter(this::limiterConnection, schema, destination, limit));
  }

  /** The rate limiters' connection, opened on first use and again after it broke. */
  private synchronized Connection limiterConnection() {
    try {
      if (limiterConnection == null || limiterConnection.isClosed()) {
        limiterConnection = BoundedConnect.of(dataSource, networkTimeout);
        NetworkTimeout.set(limiterConnection, networkTimeout);
        limiterConnection.setAutoCommit(true);
      }
      return limiterConnection;
    } catch (SQLException e) {
      throw new JournalException("cannot connect for the shared rate limits of schema " + schema + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now) {
    return accepting(lead, () -> super.accept(lead, destinations, now));
  }

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now, Optional<String> traceContext) {
    return accepting(lead, () -> super.accept(lead, destinations, now, traceContext));
  }

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now, Optional<String> traceContext,
      java.util.Set<String> claimFor, Duration lease) {
    // deliveries handed to this router's workers at accept hold the same lease as its claims
    Duration held = this.lease.orElse(lease);
    if (!claimFor.isEmpty()) {
      claimLease = held;
    }
    return accepting(lead, () -> super.accept(lead, destinations, now, traceContext, claimFor, held));
  }

  /** Runs an accept; a failure says that the lead was not accepted, why, and what to do. */
  private AcceptResult accepting(Lead lead, Supplier<AcceptResult> accept) {
    try {
      return accept.get();
    } catch (JournalException e) {
      if (lockWaitEnded(e)) {
        // the accepting transaction's own lock_timeout (PostgresDialect.ACCEPT_LOCK_TIMEOUT), not a DBA's
        throw new JournalException("lead " + lead.id() + " was not accepted: another transaction holds a lead of the"
            + " same id and has not ended yet (waited " + PostgresDialect.ACCEPT_LOCK_TIMEOUT + ": a route(lead,"
            + " connection) whose transaction is still open, on this router or another, or a lock a session holds on"
            + " the journal's tables): route it again once that transaction has ended (if it committed, the lead is"
            + " reported as a duplicate)", e);
      }
      if (!connectionLost(e)) {
        // a DBA's setting (read-only, a timeout) refused it: the server's message does not name the setting
        Optional<String> fix = DatabaseSettings.explain(e, user);
        if (fix.isPresent()) {
          throw new JournalException("lead " + lead.id() + " was not accepted: the journal " + description
              + " failed: " + DatabaseSettings.rootMessage(e) + ": " + fix.get() + "; then route it again", e);
        }
        throw e;
      }
      // the writer's own message ("failed: This connection has been closed.") says neither what became of the lead
      // nor what to do
      throw new JournalException("lead " + lead.id() + " was not accepted: the journal " + description + " cannot"
          + " reach its database (" + e.getMessage() + "); route it again once the database is back (the journal"
          + " connects again by itself)", e);
    }
  }

  /**
   * Whether the failure may pass by itself: a statement cancelled by {@code statement_timeout} or {@code lock_timeout}
   * (a DBA's maintenance held a table a moment), a deadlock or serialization failure. A settlement failing so was
   * dropped: the call it records had reached the destination, and its lead was delivered again once its lease ended.
   */
  private static boolean momentary(Throwable e) {
    return causedBy(e, state -> state.equals("57014") || state.equals("55P03") || state.startsWith("40"));
  }

  /** Whether a lock wait was ended by {@code lock_timeout}. */
  private static boolean lockWaitEnded(Throwable e) {
    return causedBy(e, "55P03"::equals);
  }

  /** Whether the failure is the database being out of reach (connection lost or refused, server shutting down). */
  private static boolean connectionLost(Throwable e) {
    return causedBy(e, state -> state.startsWith("08") || state.startsWith("57P"));
  }

  /** Whether {@code e} or a cause is an {@link SQLException} whose SQLSTATE matches. */
  private static boolean causedBy(Throwable e, java.util.function.Predicate<String> state) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null && state.test(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Enqueues in the caller's transaction only on the journal's own database: the insert names the journal's schema,
   * so on another database holding a schema of that name (another deployment, a staging copy) it would succeed and
   * the lead would go to a journal this router never reads.
   */
  @Override
  public io.leadrouter.journal.AcceptResult acceptInTransaction(Connection connection, io.leadrouter.Lead lead,
      List<String> destinations, Instant now) {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(lead, "lead");
    DatabaseIdentity callers;
    try {
      callers = DatabaseIdentity.of(connection);
    } catch (SQLException e) {
      throw new JournalException("cannot enqueue lead " + lead.id() + " in the caller's transaction (" + description
          + "): cannot tell which database the connection is on: " + e.getMessage(), e);
    }
    if (!identity.sameAs(callers)) {
      throw new JournalException("cannot enqueue lead " + lead.id() + " in the caller's transaction: the connection"
          + " is on " + callers + ", but the journal " + description + " is on " + identity + ": take the"
          + " connection from the journal's DataSource (or one on the same database), or route(lead) without a"
          + " connection");
    }
    try {
      return super.acceptInTransaction(connection, lead, destinations, now);
    } catch (JournalException e) {
      if (!causedBy(e, "42501"::equals)) {
        throw e;
      }
      // the application's user, not the journal's: the open checked only the journal's own grants
      String user = SchemaCheck.loginUser(connection, "<the connection's user>");
      throw new JournalException(e.getMessage() + ": the connection's user " + user + " may not write the journal's"
          + " tables: GRANT USAGE ON SCHEMA " + schema + " TO " + user + "; GRANT SELECT, INSERT ON " + schema
          + ".lr_leads, " + schema + ".lr_deliveries TO " + user + "; GRANT USAGE ON SEQUENCE " + schema
          + ".lr_leads_seq_seq, " + schema + ".lr_deliveries_id_seq TO " + user + " (as the schema's owner), then"
          + " route the lead in a new transaction", e);
    }
  }

  @Override
  public List<ClaimedDelivery> claimDue(String destination, Instant now, int max, Duration lease) {
    Duration held = this.lease.orElse(lease);
    claimLease = held;
    return super.claimDue(destination, now, max, held);
  }

  @Override
  public int renewLeases(List<ClaimedDelivery> deliveries, Instant now, Duration lease) {
    return super.renewLeases(deliveries, now, this.lease.orElse(lease)); // as long as the claim's own lease
  }

  @Override
  public List<ClaimedDelivery> stillClaimed(List<ClaimedDelivery> deliveries, Instant now, Duration lease) {
    return super.stillClaimed(deliveries, now, this.lease.orElse(lease));
  }

  /**
   * Writes the settlements; while the database cannot be reached (a restart, a fail-over) or a statement of theirs
   * is cancelled by a timeout or a conflict ({@link #momentary}), tries again every second for as long as a lease. The calls they record were made: dropped, their deliveries would stay in flight until
   * their lease ended and then be delivered a second time. Trying again is safe: a settlement is fenced by its claim's
   * owner and epoch, so once another router has taken the delivery over it is refused, and the new owner's result
   * stands.
   */
  @Override
  public CompletableFuture<Void> settleAsync(List<Settlement> settlements, Instant now) {
    return settleFencedAsync(settlements, now).thenApply(refused -> null);
  }

  /**
   * The settlements written as {@link #settleAsync} writes them (retried while the connection is lost, within one
   * lease), completing with those the journal refused as stale: another router's claim took the delivery over.
   */
  @Override
  public CompletableFuture<List<Settlement>> settleFencedAsync(List<Settlement> settlements, Instant now) {
    CompletableFuture<List<Settlement>> written = new CompletableFuture<>();
    settle(List.copyOf(settlements), now, written, System.nanoTime() + claimLease.toNanos());
    return written;
  }

  private void settle(List<Settlement> settlements, Instant now, CompletableFuture<List<Settlement>> written,
      long giveUpNanos) {
    super.settleFencedAsync(settlements, now).whenComplete((refused, e) -> {
      if (e == null) {
        written.complete(refused);
        return;
      }
      if (!(connectionLost(e) || momentary(e)) || System.nanoTime() - giveUpNanos > 0) {
        written.completeExceptionally(e);
        return;
      }
      try {
        retries.schedule(() -> settle(settlements, now, written, giveUpNanos), 1, TimeUnit.SECONDS);
      } catch (RejectedExecutionException closed) {
        written.completeExceptionally(e);
      }
    });
  }

  @Override
  public void close() {
    retries.shutdownNow(); // settlements still waiting for the database stay in flight (taken over after the lease)
    wakeups.close();
    super.close();
    synchronized (this) {
      if (limiterConnection != null) {
        try {
          limiterConnection.close();
        } catch (SQLException e) {
          // closing anyway
        }
        limiterConnection = null;
      }
    }
  }

}
