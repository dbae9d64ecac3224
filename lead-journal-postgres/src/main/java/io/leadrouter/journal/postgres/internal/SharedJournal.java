package io.leadrouter.journal.postgres.internal;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouterException;
import io.leadrouter.internal.journal.JdbcJournal;
import io.leadrouter.internal.journal.LeadPayload;
import io.leadrouter.journal.AcceptResult;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.ForwardingLeadJournal;
import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.SharedRateLimiter;
import io.leadrouter.spi.SinkCapabilities.RateLimit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The PostgreSQL journal: the JDBC journal (one connection, group commit) on {@link PostgresDialect}, plus what only
 * a shared database offers: enqueueing in the caller's transaction and rate limits shared by every router. Unlike
 * SQLite it never returns in-flight deliveries to pending at open (other routers may be delivering them); expired
 * leases are taken over instead.
 */
public final class SharedJournal extends ForwardingLeadJournal {
  private final DataSource dataSource;
  private final String schema;
  private final Optional<Duration> lease;
  private Connection limiterConnection;

  /**
   * Wraps an open JDBC journal.
   *
   * @param journal the journal on the schema
   * @param dataSource where the rate limiters take their connection from
   * @param schema the journal's schema
   * @param lease the lease claims take, overriding the router's, if set
   */
  public SharedJournal(JdbcJournal journal, DataSource dataSource, String schema, Optional<Duration> lease) {
    super(journal);
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.schema = Objects.requireNonNull(schema, "schema");
    this.lease = Objects.requireNonNull(lease, "lease");
  }

  @Override
  public AcceptResult acceptInTransaction(Connection connection, Lead lead, List<String> destinations,
      Instant now) {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(lead, "lead");
    List<String> dests = List.copyOf(destinations);
    long t = now.toEpochMilli();
    try {
      if (connection.getAutoCommit()) {
        throw new LeadRouterException("the connection is in auto-commit mode, so there is no transaction to enqueue"
            + " lead " + lead.id() + " in: call connection.setAutoCommit(false) before route(lead, connection) and"
            + " commit when your own work is done");
      }
      try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + schema + ".lr_leads (lead_id,"
          + " payload, accepted_at) VALUES (?, ?, ?) ON CONFLICT (lead_id) DO NOTHING")) {
        ps.setString(1, lead.id().value());
        ps.setBytes(2, LeadPayload.encode(lead));
        ps.setLong(3, t);
        if (ps.executeUpdate() == 0) {
          // accepted before (and committed, or the insert would have waited): report it as it stands
          return new AcceptResult(true, deliveries(lead.id()));
        }
      }
      List<DeliveryRecord> records = new ArrayList<>(dests.size());
      try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + schema + ".lr_deliveries (lead_id,"
          + " destination, state, attempts, due_at, accepted_at, retry_since, updated_at)"
          + " VALUES (?, ?, 'PENDING', 0, ?, ?, ?, ?) RETURNING id")) {
        for (String d : dests) {
          ps.setString(1, lead.id().value());
          ps.setString(2, d);
          ps.setLong(3, t);
          ps.setLong(4, t);
          ps.setLong(5, t);
          ps.setLong(6, t);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            records.add(new DeliveryRecord(rs.getLong(1), lead.id(), d, DeliveryState.PENDING, 0, now, now, now,
                Optional.empty(), Optional.empty(), Optional.empty()));
          }
        }
      }
      return new AcceptResult(false, records);
    } catch (SQLException e) {
      throw new JournalException("cannot enqueue lead " + lead.id() + " in the caller's transaction in schema "
          + schema + ": " + e.getMessage() + " (the transaction is now aborted: roll it back)", e);
    }
  }

  @Override
  public Optional<SharedRateLimiter> sharedRateLimiter(String destination, RateLimit limit) {
    return Optional.of(new PostgresRateLimiter(this::limiterConnection, schema, destination, limit));
  }

  /** The rate limiters' connection, opened on first use and again after it broke. */
  private synchronized Connection limiterConnection() {
    try {
      if (limiterConnection == null || limiterConnection.isClosed()) {
        limiterConnection = dataSource.getConnection();
        limiterConnection.setAutoCommit(true);
      }
      return limiterConnection;
    } catch (SQLException e) {
      throw new JournalException("cannot connect for the shared rate limits of schema " + schema + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public List<ClaimedDelivery> claimDue(String destination, Instant now, int max, Duration lease) {
    return super.claimDue(destination, now, max, this.lease.orElse(lease));
  }

  @Override
  public void close() {
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
