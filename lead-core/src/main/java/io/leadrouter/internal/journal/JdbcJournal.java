package io.leadrouter.internal.journal;

import io.leadrouter.ErasureReceipt;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.Person;
import io.leadrouter.journal.AcceptResult;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.JournalDamagedException;
import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.QuarantinedPayload;
import io.leadrouter.journal.Settlement;
import io.leadrouter.journal.spi.JdbcJournals.Reconnect;
import io.leadrouter.journal.spi.SqlDialect;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal over JDBC, for every {@link SqlDialect}. One writer thread owns the connection and runs every
 * operation; concurrent callers' operations are taken together into one transaction (group commit), so many
 * {@code route()} calls share one fsync. Operations that must be durable (accepted leads) make their transaction
 * synchronous; claims and acknowledgements need not be.
 */
public final class JdbcJournal implements LeadJournal {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcJournal.class);
  private static final Op<Void> STOP = new Op<>(false) {
    @Override
    Void run(Connection c) {
      return null;
    }
  };

  private final String description;
  private final Reconnect reconnect;
  // replaced only by the writer thread (reconnect), read by close() after the writer ended
  private volatile Connection connection;
  private volatile StatementCache statements;
  private final SqlDialect dialect;
  private final int maxBatch;
  private final Runnable onClose;
  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
  // who this journal's claims belong to: settlements are fenced by it and by the claim's epoch
  private final String owner = ownerId();
  // destinations with leads accepted in the writer's current transaction (writer thread only)
  private final Set<String> accepted = new LinkedHashSet<>();
  /**
   * Writer thread only: set while a batch runs again on a new connection, when its first commit may have reached the
   * server though its answer was lost; the lead ids an accept of it found written by its own first run, and the
   * deliveries ({@code delivery:<id>}) a settlement of it found so.
   */
  private Set<String> rerun;
  // destinations whose deliveries go one customer at a time (orderByCustomer)
  private final Set<String> ordered = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Thread writer;
  private volatile boolean closed;
  // set by the writer thread as it ends, under the queue's monitor: nothing is queued after that (it would never run)
  private boolean writerDone;
  // set once, by the writer thread, when the database says its file is damaged: from then on every operation fails
  private volatile JournalDamagedException damaged;
  // looked at by the writer thread about once a second (watchFiles); set while the journal's file is not where it was
  // opened: leads are refused meanwhile
  private volatile FileWatch fileWatch;
  private volatile JournalException moved;
  /** Why the latest lead (or payload) could not be taken in, until a write succeeds again; see intakeRefused. */
  private volatile String intakeFailed;
  private long lastProbe = System.nanoTime();
  private long lastWatch = System.nanoTime();

  /**
   * Opens the journal on a connection, creating or migrating its schema.
   *
   * @param description what to call it in messages (e.g. the file path)
   * @param connection the connection, owned by the journal from now on
   * @param dialect the database's dialect
   * @param maxBatch the most operations taken into one transaction
   * @param onClose run after the connection is closed (e.g. releasing a file lock)
   */
  public JdbcJournal(String description, Connection connection, SqlDialect dialect, int maxBatch, Runnable onClose) {
    this(description, connection, dialect, maxBatch, onClose, null);
  }

  /**
   * Opens the journal on a connection that is replaced through {@code reconnect} when it breaks: the operations of
   * the failed transaction are run once more on the new connection, so a database restart costs the callers a
   * delay, not an error, once the server is back.
   *
   * @param reconnect opens the replacement connection, or {@code null} to never replace it (a file database)
   */
  public JdbcJournal(String description, Connection connection, SqlDialect dialect, int maxBatch, Runnable onClose,
      Reconnect reconnect) {
    this.reconnect = reconnect;
    this.description = Objects.requireNonNull(description, "description");
    this.connection = Objects.requireNonNull(connection, "connection");
    this.dialect = Objects.requireNonNull(dialect, "dialect");
    this.maxBatch = maxBatch;
    this.onClose = onClose;
    this.statements = new StatementCache(connection);
    try {
      migrate();
      connection.setAutoCommit(false);
    } catch (SQLException e) {
      closeQuietly();
      dialect.damage(e, description).ifPresent(m -> {
        throw new JournalDamagedException(m, e);
      });
      String advice = SqliteDialect.advice(String.valueOf(e.getMessage()), description);
      throw new JournalException("cannot open journal " + description + ": " + e.getMessage() + (advice.isEmpty()
          ? ". If the file is damaged, restore it from a backup or move it away to start an empty journal" : advice),
          e);
    }
    writer = new Thread(this::writeLoop, "leadrouter-journal-writer");
    writer.setDaemon(true);
    writer.start();
  }

  private void migrate() throws SQLException {
    connection.setAutoCommit(true);
    int current = 0;
    if (dialect.schemaExists(connection)) {
      try (Statement s = connection.createStatement();
          ResultSet rs = s.executeQuery("SELECT max(version) FROM lr_schema")) {
        current = rs.next() ? rs.getInt(1) : 0;
      } catch (SQLException e) {
        throw new JournalException("journal " + description + " is not a LeadRouter journal of a known form ("
            + e.getMessage() + "): move it away to start an empty journal", e);
      }
    }
    if (current > JournalSchema.VERSION) {
      throw new JournalException("journal " + description + " has schema version " + current
          + ", newer than the " + JournalSchema.VERSION + " this version of LeadRouter knows:"
          + " upgrade LeadRouter (a newer version wrote this journal)");
    }
    if (current > 0 && current < 8) {
      // version 8 rewrites every row once (measured: 41 s for a million pending leads on SQLite, on a loaded machine)
      LOG.info("journal {}: upgrading its schema from version {} to {}: a one-time rewrite of its tables that may"
          + " take a minute per million leads kept; nothing is accepted or delivered until it is done", description,
          current, JournalSchema.VERSION);
    }
    for (int v = current + 1; v <= JournalSchema.VERSION; v++) {
      connection.setAutoCommit(false);
      try (Statement s = connection.createStatement()) {
        for (String sql : JournalSchema.migration(v, dialect)) {
          s.execute(sql);
        }
        s.execute(v == 1 ? "INSERT INTO lr_schema (version) VALUES (1)" : "UPDATE lr_schema SET version = " + v);
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      }
      connection.setAutoCommit(true);
      LOG.info("journal {} schema migrated to version {}", description, v);
    }
  }

  // ---- the writer thread ----

  private abstract static class Op<T> {
    final boolean durable;
    /** Erases personal data: runs in a transaction of its own, between the dialect's erase hooks. */
    final boolean secure;
    final CompletableFuture<T> result = new CompletableFuture<>();

    /** A settlement: it may wait a moment for an accept to share its transaction ({@link #lingerForDurable}). */
    boolean settles() {
      return false;
    }

    /** Takes something in (a lead, a quarantined payload) that the caller is told is kept: refused while moved. */
    boolean takesIn() {
      return false;
    }

    /**
     * Changes a bounded number of rows (an accept, a claim, a settlement, a lease renewal): a transaction of only
     * such operations keeps its scratch data in memory ({@link SqlDialect#boundedTransaction}).
     */
    boolean bounded() {
      return settles();
    }

    Op(boolean durable) {
      this(durable, false);
    }

    Op(boolean durable, boolean secure) {
      this.durable = durable;
      this.secure = secure;
    }

    abstract T run(Connection c) throws SQLException;
  }

  /** Takes in what the caller is then told is kept (a lead, a quarantined payload): durable, refused while moved. */
  private abstract static class IntakeOp<T> extends Op<T> {
    IntakeOp() {
      super(true);
    }

    @Override
    final boolean takesIn() {
      return true;
    }
  }

  private void writeLoop() {
    List<Op<?>> batch = new ArrayList<>(maxBatch);
    while (true) {
      try {
        Op<?> first = queue.poll(1, TimeUnit.SECONDS);
        watch();
        probeIntake();
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        lingerForDurable(batch);
        boolean stop = batch.remove(STOP);
        JournalDamagedException d = damaged;
        if (d != null) {
          batch.forEach(op -> op.result.completeExceptionally(d));
        } else if (!batch.isEmpty()) {
          // the batch keeps its erasures, so that an Error thrown while one runs (caught below) fails them too
          List<Op<?>> secure = batch.stream().filter(op -> op.secure).toList();
          List<Op<?>> plain = secure.isEmpty() ? batch : batch.stream().filter(op -> !op.secure).toList();
          if (!plain.isEmpty()) {
            runBatch(plain);
          }
          secure.forEach(this::runSecure);
        }
        batch.clear();
        if (stop) {
          failQueued();
          return;
        }
      } catch (InterruptedException e) {
        // nobody but close() stops this thread; if something else interrupts it, what it holds is not left waiting
        batch.forEach(op -> op.result.completeExceptionally(closedError()));
        failQueued();
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException | Error e) {
        // an Error (out of memory, a class that failed to load) thrown in an operation: its transaction is rolled
        // back, so nothing the callers are told failed is committed by the next batch, and every operation taken
        // (the erasures run one by one after the batch included) is failed rather than left waiting for ever
        LOG.error("journal writer failed unexpectedly; failing the current batch", e);
        rollbackQuietly();
        batch.forEach(op -> op.result.completeExceptionally(e));
        batch.clear();
      }
    }
  }

  /**
   * A batch of settlements only waits up to {@link #LINGER_NANOS} for an accept to share its
   * transaction: at one caller, each delivery's settlement otherwise took a transaction of its own between two accepts
   * (two switches of SQLite's {@code synchronous} and a commit), where the accept's fsync writes it as well. Only
   * receipts and events wait the linger; nothing is less durable.
   */
  private void lingerForDurable(List<Op<?>> batch) throws InterruptedException {
    if (batch.size() >= maxBatch || !batch.stream().allMatch(Op::settles)) {
      return;
    }
    Op<?> next = queue.poll(LINGER_NANOS, TimeUnit.NANOSECONDS);
    if (next != null) {
      batch.add(next);
      queue.drainTo(batch, maxBatch - batch.size());
    }
  }

  private static final long LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(1500);

  private void runBatch(List<Op<?>> batch) {
    runBatch(batch, true);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void runBatch(List<Op<?>> batch, boolean mayReconnect) {
    boolean durable = batch.stream().anyMatch(op -> op.durable);
    List<Object> results = new ArrayList<>(batch.size());
    accepted.clear();
    try {
      dialect.durability(connection, durable);
      dialect.boundedTransaction(connection, batch.stream().allMatch(Op::bounded));
      Connection c = statements.connection();
      List<AcceptOp> accepts = new ArrayList<>();
      for (Op<?> op : batch) {
        if (op instanceof AcceptOp a) {
          accepts.add(a);
        }
      }
      // several accepts in one transaction are written together (multi-row inserts), ahead of the other operations
      Map<AcceptOp, AcceptResult> grouped = accepts.size() > 1 ? acceptAll(c, accepts) : Map.of();
      for (Op<?> op : batch) {
        AcceptResult a = op instanceof AcceptOp ao ? grouped.get(ao) : null;
        results.add(a != null ? a : op.run(c));
      }
      if (!accepted.isEmpty()) {
        dialect.announceAccepted(connection, accepted); // delivered to other routers at commit, not before
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      Optional<String> damage = dialect.damage(e, description);
      if (damage.isPresent()) {
        // fatal, for the whole batch: no neighbour is retried alone, so nothing more is promised on this file
        JournalDamagedException d = damaged(damage.get(), e);
        batch.forEach(op -> op.result.completeExceptionally(d));
        return;
      }
      if (mayReconnect && reconnectIfBroken(e)) {
        // once more on the new connection: nothing of it was committed, or all of it was and the answer was lost
        rerun = new java.util.HashSet<>();
        try {
          runBatch(batch, false);
        } finally {
          rerun = null;
        }
        return;
      }
      if (batch.size() == 1) {
        JournalException failure = wrap(e);
        if (batch.get(0).takesIn() && !thisLeadsConflict(e)) { // the disk, the server: not this lead
          if (intakeFailed == null) {
            LOG.error("journal {} refuses new leads until a write succeeds again (tried about once a second): {}",
                description, failure.getMessage());
          }
          intakeFailed = failure.getMessage();
        }
        batch.get(0).result.completeExceptionally(failure);
        return;
      }
      // one bad operation must not fail its neighbours: run each alone
      for (Op<?> op : batch) {
        runBatch(new ArrayList<>(List.of(op)), false);
      }
      return;
    }
    if (intakeFailed != null && batch.stream().anyMatch(op -> op.takesIn() || op instanceof Probe)) {
      intakeFailed = null;
      LOG.info("journal {}: it takes leads in again", description);
    }
    for (int i = 0; i < batch.size(); i++) {
      ((CompletableFuture) batch.get(i).result).complete(results.get(i));
    }
  }

  /**
   * Whether {@code e} concerns this row alone, not the journal's ability to take leads in: a constraint refusing it
   * (SQLState class 23), a lock on its id it waited too long for ({@code 55P03}: an open caller transaction holds the
   * same lead id on PostgreSQL), a deadlock or serialization conflict (class 40).
   */
  private static boolean thisLeadsConflict(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String state = t instanceof SQLException s ? s.getSQLState() : null;
      if (state != null && (state.startsWith("23") || state.startsWith("40") || state.equals("55P03"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * On the writer thread, about once a second while {@link #intakeRefused} says why leads cannot be taken in: a
   * small durable write, which ends the refusal once it commits. Without it, a load balancer that stopped sending
   * leads to a refusing instance would never see it take leads again.
   */
  private void probeIntake() {
    long now = System.nanoTime();
    if (intakeFailed == null || now - lastProbe < WATCH_NANOS || damaged != null || closed) {
      return;
    }
    lastProbe = now;
    runBatch(new ArrayList<>(List.of(new Probe())));
  }

  /** The write {@link #probeIntake} tries: the one row of {@code lr_schema} written again as it is. */
  private static final class Probe extends Op<Void> {
    Probe() {
      super(true);
    }

    @Override
    Void run(Connection c) throws SQLException {
      try (Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE lr_schema SET version = version");
      }
      return null;
    }
  }

  @Override
  public Optional<String> intakeRefused() {
    JournalException m = moved;
    String failed = intakeFailed;
    return m != null ? Optional.of(m.getMessage()) : Optional.ofNullable(failed);
  }

  /**
   * Runs an erasing operation in a transaction of its own: the dialect's {@link SqlDialect#beforeErase} (SQLite:
   * {@code secure_delete}) before it, {@link SqlDialect#afterErase} (SQLite: WAL checkpoint, truncated) after its
   * commit, or for a person's erasure {@link SqlDialect#afterPersonErased} (SQLite: a file an older version wrote is
   * vacuumed once). A failing hook after a person's erasure fails it with its receipt ({@link ErasureNotFlushedException}): the rows are gone, the
   * caller is told the files may still hold them; after dropping payloads it is logged.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void runSecure(Op<?> op) {
    Object result;
    try {
      connection.setAutoCommit(true);
      dialect.beforeErase(connection);
      connection.setAutoCommit(false);
      dialect.durability(connection, true);
      result = op.run(statements.connection());
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      Optional<String> damage = dialect.damage(e, description);
      op.result.completeExceptionally(damage.isPresent() ? damaged(damage.get(), e) : wrap(e));
      return;
    }
    try {
      connection.setAutoCommit(true);
      if (result instanceof ErasureReceipt) {
        dialect.afterPersonErased(connection);
      } else {
        dialect.afterErase(connection);
      }
    } catch (SQLException | RuntimeException e) {
      if (result instanceof ErasureReceipt receipt) {
        // the caller is told: returning the receipt alone read as "the person is gone" while the files held them
        op.result.completeExceptionally(new ErasureNotFlushedException(receipt,
            "the files of the journal " + description + ": " + e.getMessage(), e));
      } else {
        LOG.error("journal {}: after an erasure: {}", description, e.getMessage());
      }
    } finally {
      try {
        connection.setAutoCommit(false);
      } catch (SQLException e) {
        LOG.warn("journal {}: {}", description, e.getMessage());
      }
    }
    if (!op.result.isDone()) {
      ((CompletableFuture) op.result).complete(result); // told only once the log no longer holds the old rows
    }
  }

  /** Marks the journal damaged; the first time, logs once what happened and how to recover (no stack trace). */
  private synchronized JournalDamagedException damaged(String message, Exception cause) {
    if (damaged == null) {
      damaged = new JournalDamagedException(message, cause);
      LOG.error(message);
    }
    return damaged;
  }

  /** Decodes a stored lead; one whose bytes changed on disk means the file is damaged, which stops the journal. */
  private Lead decode(String leadId, byte[] payload) {
    if (payload.length == 0) {
      throw new JournalException("lead " + leadId + " cannot be delivered again: its payload was dropped after its"
          + " destinations' payloadRetention (the delivery records stay)");
    }
    try {
      return LeadPayload.decode(payload);
    } catch (JournalDamagedException e) {
      // the parser's message is not repeated: it may quote the lead's bytes (personal data)
      JournalDamagedException d = damaged(dialect.damaged(description, "the stored lead " + leadId + " cannot be"
          + " read: its bytes changed on disk"), e);
      throw new JournalDamagedException(d.getMessage(), e);
    }
  }

  /** Replaces a broken connection (when the journal may); returns whether it did. */
  private boolean reconnectIfBroken(Exception cause) {
    if (reconnect == null || usable(connection)) {
      return false;
    }
    LOG.warn("journal {}: the database connection broke ({}); opening a new one", description, cause.getMessage());
    try {
      Connection fresh = reconnect.open();
      fresh.setAutoCommit(false);
      Connection broken = connection;
      statements.clear();
      connection = fresh;
      statements = new StatementCache(fresh);
      try {
        broken.close();
      } catch (SQLException e) {
        // it is broken already
      }
      LOG.info("journal {}: connected again", description);
      return true;
    } catch (SQLException | RuntimeException e) {
      LOG.warn("journal {}: cannot connect again yet ({}); the next operation tries again", description,
          e.getMessage());
      return false;
    }
  }

  private static boolean usable(Connection c) {
    try {
      return !c.isClosed() && c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private JournalException wrap(Exception e) {
    if (e instanceof JournalException je) {
      return je;
    }
    return new JournalException("journal " + description + " failed: " + e.getMessage()
        + SqliteDialect.advice(String.valueOf(e.getMessage()), description), e);
  }

  /** What a plain operation does on the writer's connection: neither durable, erasing, nor a settlement. */
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs plain {@code work} in the writer's order, in a transaction it may share with others. */
  private <T> T submit(Work<T> work) {
    return submit(new Op<T>(false) {
      @Override
      T run(Connection c) throws SQLException {
        return work.run(c);
      }
    });
  }

  private <T> T submit(Op<T> op) {
    if (Thread.currentThread() == writer) {
      // code run by a future this thread completed (an application's callback) would wait here for itself, and every
      // later caller of the journal with it: refused instead
      throw new JournalException("journal " + description + " was called on its own writer thread (from a callback"
          + " run as the journal completed a future), which would wait for itself: nothing was written (a lead"
          + " routed in this call was not accepted: route it again from a thread of your own, e.g. with"
          + " thenAcceptAsync)");
    }
    if (closed) {
      throw closedError();
    }
    JournalDamagedException d = damaged;
    if (d != null) {
      throw new JournalDamagedException(d.getMessage());
    }
    JournalException m = moved;
    if (m != null && op.takesIn()) {
      throw new JournalException(m.getMessage());
    }
    if (!enqueue(op)) {
      throw closedError(); // close() raced the check above
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return op.result.get();
        } catch (InterruptedException e) {
          interrupted = true; // kept for the caller either way (get() cleared it)
          if (queue.remove(op)) {
            throw new JournalException("interrupted before journal " + description + " ran the operation: nothing"
                + " was written (a lead routed in this call was not accepted: route it again)", e);
          }
          // the writer has it already: its outcome is waited for, so a caller interrupted while its lead was being
          // committed gets the receipt, never an error for a lead that was kept (and claimed for this router)
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof JournalDamagedException jd) {
        throw new JournalDamagedException(jd.getMessage(), jd);
      }
      if (cause instanceof ErasureNotFlushedException en) {
        throw new ErasureNotFlushedException(en.receipt(), en.residue(), en); // the eraser reads its receipt
      }
      if (cause instanceof JournalException je) {
        throw new JournalException(je.getMessage(), je);
      }
      throw new JournalException("journal " + description + " failed: " + cause, cause);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private JournalException closedError() {
    return new JournalException("journal " + description + " is closed: nothing was written (a lead routed in this"
        + " call was not accepted: route it again through an open router)");
  }

  /** Queues an operation for the writer; false once the writer has ended (it would never run). */
  private boolean enqueue(Op<?> op) {
    synchronized (queue) {
      if (writerDone) {
        return false;
      }
      queue.add(op);
      return true;
    }
  }

  /** Ends the writer's intake: what was queued after its last batch fails (it never runs), and so does all after. */
  private void failQueued() {
    List<Op<?>> rest = new ArrayList<>();
    synchronized (queue) {
      writerDone = true;
      queue.drainTo(rest);
    }
    rest.forEach(op -> op.result.completeExceptionally(closedError()));
  }

  // ---- operations ----

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now) {
    return accept(lead, destinations, now, Optional.empty());
  }

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now, Optional<String> traceContext) {
    return accept(lead, destinations, now, traceContext, Set.of(), Duration.ZERO);
  }

  /**
   * Inserts the lead and its deliveries in one durable transaction; deliveries to {@code claimFor} are inserted in
   * flight (claimed for the caller) instead of pending. Nothing is read back for a new lead: the records are what
   * was written, with the ids the inserts returned.
   */
  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now, Optional<String> traceContext,
      Set<String> claimFor, Duration lease) {
    Objects.requireNonNull(lead, "lead");
    return submit(new AcceptOp(lead, List.copyOf(destinations), traceContext.orElse(null), Set.copyOf(claimFor),
        now, lease));
  }

  /**
   * One accepted lead. Run alone ({@link #run}), it inserts the lead and then its deliveries; when several accepts
   * share a transaction, {@link #acceptAll} writes all of them with multi-row inserts instead (on PostgreSQL every
   * statement is a round trip to the server, so a group of 50 leads costs 2 statements instead of 100).
   */
  private final class AcceptOp extends IntakeOp<AcceptResult> {
    final Lead lead;
    final String leadId;
    final List<String> dests;
    final String trace;
    final Set<String> claim;
    final Instant now;
    final byte[] payload;
    final String orderKey;
    final long t;
    final long leaseUntil;
    /** The lead's sequence number ({@code lr_leads.seq}), once its insert returned it. */
    long seq;
    /** The deliveries claimed at once: those of {@link #claim} not held back by their customer (decideClaims). */
    final Set<String> claimNow = new java.util.HashSet<>();

    AcceptOp(Lead lead, List<String> dests, String trace, Set<String> claim, Instant now, Duration lease) {
      this.lead = lead;
      this.leadId = lead.id().value();
      this.dests = dests;
      this.trace = trace;
      this.claim = claim;
      this.now = now;
      this.payload = LeadPayload.encode(lead);
      this.orderKey = io.leadrouter.internal.CustomerKey.hashed(lead);
      this.t = now.toEpochMilli();
      this.leaseUntil = io.leadrouter.internal.DeliveryDecision.later(now, lease).toEpochMilli();
    }

    @Override
    boolean bounded() {
      return true;
    }

    @Override
    AcceptResult run(Connection c) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement(leadInsert(1)); ResultSet rs = bindLead(ps, 0).executeQuery()) {
        if (!rs.next()) {
          return duplicate(c, this);
        }
        seq = rs.getLong(1);
      }
      Map<String, Long> ids = new java.util.HashMap<>();
      if (dests.isEmpty()) {
        return accepted(ids);
      }
      decideClaims(c, new java.util.HashSet<>());
      try (PreparedStatement ps = c.prepareStatement(deliveryInsert(dests.size()))) {
        for (int i = 0; i < dests.size(); i++) {
          bindDelivery(ps, i * DELIVERY_PARAMS, dests.get(i));
        }
        readDeliveryIds(ps, ids);
      }
      return accepted(ids);
    }

    PreparedStatement bindLead(PreparedStatement ps, int at) throws SQLException {
      ps.setString(at + 1, leadId);
      ps.setBytes(at + 2, payload);
      ps.setLong(at + 3, t);
      ps.setString(at + 4, trace);
      return ps;
    }

    // deliveries claimed for this router's own workers carry its lease (owner, epoch 1), like any claim: their
    // settlements are fenced too; the others are announced to other routers (NOTIFY on PostgreSQL)
    void bindDelivery(PreparedStatement ps, int at, String d) throws SQLException {
      boolean mine = claimNow.contains(d);
      ps.setLong(at + 1, seq);
      ps.setString(at + 2, leadId);
      ps.setString(at + 3, d);
      ps.setString(at + 4, mine ? "IN_FLIGHT" : "PENDING");
      ps.setLong(at + 5, t);
      if (mine) {
        ps.setLong(at + 6, leaseUntil);
      } else {
        ps.setNull(at + 6, java.sql.Types.BIGINT);
      }
      ps.setLong(at + 7, t);
      ps.setLong(at + 8, t);
      ps.setLong(at + 9, t);
      ps.setString(at + 10, mine ? owner : null);
      ps.setLong(at + 11, mine ? 1 : 0);
      ps.setString(at + 12, orderKey);
    }

    /**
     * One customer at a time: a delivery to an ordered destination is claimed at once only when none of its
     * customer's deliveries there is open, in the journal or earlier in this transaction ({@code open}: destination
     * and customer key of the group's deliveries so far, claimed or not, so a later lead never overtakes one).
     */
    void decideClaims(Connection c, Set<String> open) throws SQLException {
      for (String d : dests) {
        if (!ordered.contains(d)) {
          if (claim.contains(d)) {
            claimNow.add(d);
          }
          continue;
        }
        boolean first = open.add(d + '\u0000' + orderKey);
        if (claim.contains(d) && first && customerIdle(c, d, orderKey)) {
          claimNow.add(d);
        }
      }
    }

    /** The result of a fresh lead, from the delivery ids the inserts returned (keyed by destination). */
    AcceptResult accepted(Map<String, Long> ids) throws SQLException {
      List<DeliveryRecord> records = new ArrayList<>(dests.size());
      List<ClaimedDelivery> claimed = new ArrayList<>(claim.size());
      for (String d : dests) {
        Long id = ids.get(d);
        if (id == null) {
          throw new SQLException("the delivery insert returned no id for " + leadId + " -> " + d);
        }
        boolean mine = claimNow.contains(d);
        records.add(new DeliveryRecord(id, lead.id(), d, mine ? DeliveryState.IN_FLIGHT : DeliveryState.PENDING,
            0, now, now, now, Optional.empty(), Optional.empty(), Optional.empty()));
        if (mine) {
          claimed.add(new ClaimedDelivery(id, lead, d, 0, now, Optional.ofNullable(trace), 1));
        } else {
          accepted.add(d);
        }
      }
      return new AcceptResult(false, records, claimed);
    }
  }

  private static final int LEAD_PARAMS = 4;
  private static final int DELIVERY_PARAMS = 12;
  // rows per multi-row statement: powers of two up to this, so that few distinct statements are prepared and cached
  private static final int MAX_ROWS = 64;
  private static final String[] LEAD_INSERTS = new String[MAX_ROWS + 1];
  private static final String[] DELIVERY_INSERTS = new String[MAX_ROWS + 1];

  /** {@code INSERT INTO lr_leads} of {@code rows} leads; returns the sequence number and id of those that were new. */
  private static String leadInsert(int rows) {
    String sql = rows <= MAX_ROWS ? LEAD_INSERTS[rows] : null;
    if (sql == null) {
      sql = "INSERT INTO lr_leads (lead_id, payload, accepted_at, trace_context) VALUES "
          + String.join(", ", java.util.Collections.nCopies(rows, "(?, ?, ?, ?)"))
          + " ON CONFLICT (lead_id) DO NOTHING RETURNING seq, lead_id";
      if (rows <= MAX_ROWS) {
        LEAD_INSERTS[rows] = sql; // a benign race: every thread computes the same string
      }
    }
    return sql;
  }

  /** {@code INSERT INTO lr_deliveries} of {@code rows} deliveries, returning each row's id, lead and destination. */
  private static String deliveryInsert(int rows) {
    String sql = rows <= MAX_ROWS ? DELIVERY_INSERTS[rows] : null;
    if (sql == null) {
      sql = "INSERT INTO lr_deliveries (lead_seq, lead_id, destination, state, attempts, due_at, lease_until,"
          + " accepted_at, retry_since, updated_at, lease_owner, lease_epoch, order_key) VALUES "
          + String.join(", ", java.util.Collections.nCopies(rows, "(?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)"))
          + " RETURNING id, lead_id, destination";
      if (rows <= MAX_ROWS) {
        DELIVERY_INSERTS[rows] = sql;
      }
    }
    return sql;
  }

  private static void readDeliveryIds(PreparedStatement ps, Map<String, Long> byDestination) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        byDestination.put(rs.getString(3), rs.getLong(1));
      }
    }
  }

  /** The largest power of two not above {@code n} nor {@link #MAX_ROWS}. */
  private static int chunk(int n) {
    return Math.min(MAX_ROWS, Integer.highestOneBit(n));
  }

  /**
   * Writes the accepts of one transaction together: the leads with multi-row inserts (those already in the journal,
   * or twice in the group, come back as duplicates), then all their deliveries likewise. Same rows, same results as
   * running each alone.
   */
  private Map<AcceptOp, AcceptResult> acceptAll(Connection c, List<AcceptOp> ops) throws SQLException {
    Map<String, Long> fresh = new java.util.HashMap<>(); // lead id -> seq of the leads written now
    for (int from = 0; from < ops.size(); ) {
      int n = chunk(ops.size() - from);
      try (PreparedStatement ps = c.prepareStatement(leadInsert(n))) {
        for (int i = 0; i < n; i++) {
          ops.get(from + i).bindLead(ps, i * LEAD_PARAMS);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            fresh.put(rs.getString(2), rs.getLong(1));
          }
        }
      }
      from += n;
    }
    // the first accept of a lead id written now is its owner; a later one in the group is a duplicate of it
    List<AcceptOp> written = new ArrayList<>(ops.size());
    List<AcceptOp> duplicates = new ArrayList<>();
    for (AcceptOp op : ops) {
      Long seq = fresh.remove(op.leadId);
      if (seq != null) {
        op.seq = seq;
        written.add(op);
      } else {
        duplicates.add(op);
      }
    }
    List<Map.Entry<AcceptOp, String>> rows = new ArrayList<>();
    Set<String> open = new java.util.HashSet<>();
    for (AcceptOp op : written) {
      op.decideClaims(c, open); // in acceptance order
      for (String d : op.dests) {
        rows.add(Map.entry(op, d));
      }
    }
    Map<String, Map<String, Long>> ids = new java.util.HashMap<>();
    for (int from = 0; from < rows.size(); ) {
      int n = chunk(rows.size() - from);
      try (PreparedStatement ps = c.prepareStatement(deliveryInsert(n))) {
        for (int i = 0; i < n; i++) {
          Map.Entry<AcceptOp, String> row = rows.get(from + i);
          row.getKey().bindDelivery(ps, i * DELIVERY_PARAMS, row.getValue());
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            ids.computeIfAbsent(rs.getString(2), k -> new java.util.HashMap<>()).put(rs.getString(3),
                rs.getLong(1));
          }
        }
      }
      from += n;
    }
    Map<AcceptOp, AcceptResult> results = new java.util.IdentityHashMap<>();
    for (AcceptOp op : written) {
      results.put(op, op.accepted(ids.getOrDefault(op.leadId, Map.of())));
    }
    for (AcceptOp op : duplicates) {
      results.put(op, duplicate(c, op));
    }
    return results;
  }

  /**
   * The result of an accept that found its lead id in the journal: a duplicate, unless this is the batch running again
   * after the answer to its commit was lost (a connection ended mid-commit) and the lead is the one its first run
   * wrote (the same payload, accepted at the same instant, and no earlier accept of this run took it as its own).
   * Before, route() said "duplicate" of a lead it had just stored, told no one it was ACCEPTED, and its delivery,
   * claimed for this router by the first run, waited a whole lease.
   */
  private AcceptResult duplicate(Connection c, AcceptOp op) throws SQLException {
    List<DeliveryRecord> records = deliveriesOf(c, "", op.lead.id());
    if (rerun == null || !writtenByFirstRun(c, op) || !rerun.add(op.leadId)) {
      return new AcceptResult(true, records);
    }
    List<ClaimedDelivery> claimed = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT d.id, d.destination FROM lr_deliveries d JOIN lr_leads l"
        + " ON l.seq = d.lead_seq WHERE l.lead_id = ? AND d.state = 'IN_FLIGHT' AND d.lease_owner = ?"
        + " AND d.lease_epoch = 1 AND d.updated_at = ?")) {
      ps.setString(1, op.leadId);
      ps.setString(2, owner);
      ps.setLong(3, op.t);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (op.claim.contains(rs.getString(2))) {
            claimed.add(new ClaimedDelivery(rs.getLong(1), op.lead, rs.getString(2), 0, op.now,
                Optional.ofNullable(op.trace), 1));
          }
        }
      }
    }
    LOG.info("journal {}: lead {} was stored by a commit whose answer was lost (the connection broke); it is accepted",
        description, op.leadId);
    return new AcceptResult(false, records, claimed);
  }

  /** Whether the stored lead of {@code op}'s id is {@code op}'s own write: its payload, accepted at its instant. */
  private static boolean writtenByFirstRun(Connection c, AcceptOp op) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT accepted_at, payload FROM lr_leads WHERE lead_id = ?")) {
      ps.setString(1, op.leadId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getLong(1) == op.t && java.util.Arrays.equals(rs.getBytes(2), op.payload);
      }
    }
  }

  /**
   * Whether no delivery of this customer to {@code destination} is open (pending, parked or in flight) and no other
   * transaction is claiming one at accept right now: only then may a fresh one be written already in flight.
   */
  private boolean customerIdle(Connection c, String destination, String orderKey) throws SQLException {
    if (!dialect.tryLockCustomer(c, destination, orderKey)) {
      return false;
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM lr_deliveries WHERE destination = ?"
        + " AND order_key = ? AND state IN ('PENDING', 'PARKED', 'IN_FLIGHT') LIMIT 1")) {
      ps.setString(1, destination);
      ps.setString(2, orderKey);
      try (ResultSet rs = ps.executeQuery()) {
        return !rs.next();
      }
    }
  }

  /**
   * A counter's row, created at zero if absent, its {@code forget_after} moved to {@code ?} (the third parameter) if
   * that is later: in the statement that writes the value, so a row in use is never one whose moment has passed.
   */
  private static final String COUNTER_ROW = "INSERT INTO lr_counters (destination, name, value, forget_after)"
      + " VALUES (?, ?, 0, ?) ON CONFLICT (destination, name) DO UPDATE SET forget_after = excluded.forget_after"
      + " WHERE " + laterForgetting();

  /** The moment to forget a counter at moves only later; none given ({@code null}) keeps the row's. */
  private static String laterForgetting() {
    return "excluded.forget_after IS NOT NULL AND (lr_counters.forget_after IS NULL"
        + " OR lr_counters.forget_after < excluded.forget_after)";
  }

  @Override
  public Optional<io.leadrouter.spi.SinkCounters> counters(String destination) {
    Objects.requireNonNull(destination, "destination");
    return Optional.of(new io.leadrouter.spi.SinkCounters() {
      @Override
      public boolean incrementBelow(String name, long limit) {
        return increment(name, limit, null);
      }

      @Override
      public boolean incrementBelow(String name, long limit, Instant forgetAfter) {
        return increment(name, limit, Objects.requireNonNull(forgetAfter, "forgetAfter"));
      }

      private boolean increment(String name, long limit, Instant forgetAfter) {
        return submit(c -> {
          try (PreparedStatement ps = c.prepareStatement(COUNTER_ROW)) {
            key(ps, name);
            forgetAfter(ps, 3, forgetAfter);
            ps.executeUpdate();
          }
          try (PreparedStatement ps = c.prepareStatement("UPDATE lr_counters SET value = value + 1"
              + " WHERE destination = ? AND name = ? AND value < ?")) {
            key(ps, name);
            ps.setLong(3, limit);
            return ps.executeUpdate() == 1;
          }
        });
      }

      @Override
      public long raiseTo(String name, long value) {
        return raise(name, value, null);
      }

      @Override
      public long raiseTo(String name, long value, Instant forgetAfter) {
        return raise(name, value, Objects.requireNonNull(forgetAfter, "forgetAfter"));
      }

      private long raise(String name, long value, Instant forgetAfter) {
        return submit(c -> {
          try (PreparedStatement ps = c.prepareStatement("INSERT INTO lr_counters (destination, name, value,"
              + " forget_after) VALUES (?, ?, ?, ?) ON CONFLICT (destination, name) DO UPDATE SET value = CASE"
              + " WHEN lr_counters.value < excluded.value THEN excluded.value ELSE lr_counters.value END,"
              + " forget_after = CASE WHEN " + laterForgetting() + " THEN excluded.forget_after"
              + " ELSE lr_counters.forget_after END")) {
            key(ps, name);
            ps.setLong(3, value);
            forgetAfter(ps, 4, forgetAfter);
            ps.executeUpdate();
          }
          try (PreparedStatement ps = c.prepareStatement("SELECT value FROM lr_counters WHERE destination = ?"
              + " AND name = ?")) {
            key(ps, name);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? rs.getLong(1) : value;
            }
          }
        });
      }

      /** Binds when the counter may be forgotten (epoch milliseconds; null: not said, the row's stays). */
      private void forgetAfter(PreparedStatement ps, int index, Instant at) throws SQLException {
        if (at == null) {
          ps.setNull(index, java.sql.Types.BIGINT);
        } else {
          ps.setLong(index, at.toEpochMilli());
        }
      }

      @Override
      public void decrement(String name) {
        update("UPDATE lr_counters SET value = value - 1 WHERE destination = ? AND name = ? AND value > 0",
            ps -> key(ps, name));
      }

      @Override
      public long get(String name) {
        return query("SELECT value FROM lr_counters WHERE destination = ? AND name = ?", ps -> key(ps, name),
            rs -> rs.next() ? rs.getLong(1) : 0L);
      }

      /** Binds the counter's key, this destination and {@code name}: the first two parameters of every statement. */
      private void key(PreparedStatement ps, String name) throws SQLException {
        ps.setString(1, destination);
        ps.setString(2, name);
      }

      @Override
      public String toString() {
        return "counters of " + destination + " in " + description;
      }
    });
  }

  @Override
  public boolean orderByCustomer(String destination) {
    ordered.add(Objects.requireNonNull(destination, "destination"));
    return true;
  }

  /**
   * The one place a lead and its deliveries are written, on the journal's connection or a caller's ({@code prefix}
   * qualifies the tables there); returns whether the lead is new (false: accepted before, nothing written).
   */
  private static boolean insertLead(Connection c, String prefix, LeadId id, byte[] payload, String trace,
      List<String> dests, long t, String orderKey) throws SQLException {
    long seq;
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix + "lr_leads (lead_id, payload,"
        + " accepted_at, trace_context) VALUES (?, ?, ?, ?) ON CONFLICT (lead_id) DO NOTHING RETURNING seq")) {
      ps.setString(1, id.value());
      ps.setBytes(2, payload);
      ps.setLong(3, t);
      ps.setString(4, trace);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return false;
        }
        seq = rs.getLong(1);
      }
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix + "lr_deliveries (lead_id, destination,"
        + " state, attempts, due_at, accepted_at, retry_since, updated_at, order_key, lead_seq)"
        + " VALUES (?, ?, 'PENDING', 0, ?, ?, ?, ?, ?, ?)")) {
      for (String d : dests) {
        ps.setString(1, id.value());
        ps.setString(2, d);
        setNewDeliveryTimes(ps, 3, t);
        ps.setString(7, orderKey);
        ps.setLong(8, seq);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    return true;
  }

  /** Sets a new delivery's times (due, accepted, retry since, updated: parameters {@code first} on) to {@code t}. */
  private static void setNewDeliveryTimes(PreparedStatement ps, int first, long t) throws SQLException {
    for (int i = first; i < first + 4; i++) {
      ps.setLong(i, t);
    }
  }

  @Override
  public AcceptResult acceptInTransaction(Connection connection, Lead lead, List<String> destinations,
      Instant now) {
    if (!dialect.acceptsCallerTransactions()) {
      return LeadJournal.super.acceptInTransaction(connection, lead, destinations, now);
    }
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(lead, "lead");
    List<String> dests = List.copyOf(destinations);
    try {
      if (connection.getAutoCommit()) {
        throw new io.leadrouter.LeadRouterException("the connection is in auto-commit mode, so there is no"
            + " transaction to enqueue lead " + lead.id() + " in: call connection.setAutoCommit(false) before"
            + " route(lead, connection) and commit when your own work is done");
      }
      boolean fresh = insertLead(connection, dialect.tablePrefix(), lead.id(), LeadPayload.encode(lead), null, dests,
          now.toEpochMilli(), io.leadrouter.internal.CustomerKey.hashed(lead));
      if (fresh) {
        dialect.announceAccepted(connection, new LinkedHashSet<>(dests));
      }
      // a duplicate was accepted and committed before (or the insert would have waited for it)
      return new AcceptResult(!fresh, deliveriesOf(connection, dialect.tablePrefix(), lead.id()));
    } catch (SQLException e) {
      throw new JournalException("cannot enqueue lead " + lead.id() + " in the caller's transaction (" + this
          + "): " + e.getMessage() + " (the transaction is now aborted: roll it back)", e);
    }
  }

  @Override
  public List<ClaimedDelivery> claimDue(String destination, Instant now, int max, Duration lease) {
    long t = now.toEpochMilli();
    long leaseUntil = io.leadrouter.internal.DeliveryDecision.later(now, lease).toEpochMilli();
    List<Object[]> rows = submit(new Op<List<Object[]>>(false) {
      @Override
      boolean bounded() {
        return true; // at most max rows
      }

      @Override
      List<Object[]> run(Connection c) throws SQLException {
        List<Object[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(dialect.selectDue(ordered.contains(destination)))) {
          ps.setString(1, destination);
          ps.setLong(2, t);
          ps.setInt(3, max);
          try (ResultSet rs = ps.executeQuery()) {
            boolean fallbacks = rs.getMetaData().getColumnCount() >= 8; // a dialect's own query may predate them
            while (rs.next()) {
              out.add(new Object[] {rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getLong(4), rs.getBytes(5),
                  rs.getString(6), rs.getLong(7) + 1, fallbacks ? rs.getString(8) : null});
            }
          }
        }
        if (!out.isEmpty()) {
          try (PreparedStatement ps = c.prepareStatement(
              "UPDATE lr_deliveries SET state = 'IN_FLIGHT', lease_until = ?, updated_at = ?, lease_owner = ?,"
                  + " lease_epoch = ? WHERE id = ?")) {
            for (Object[] r : out) {
              ps.setLong(1, leaseUntil);
              ps.setLong(2, t);
              ps.setString(3, owner);
              ps.setLong(4, (Long) r[6]);
              ps.setLong(5, (Long) r[0]);
              ps.addBatch();
            }
            ps.executeBatch();
          }
        }
        return out;
      }
    });
    List<ClaimedDelivery> claimed = new ArrayList<>(rows.size());
    for (Object[] r : rows) {
      Lead lead = decode((String) r[1], (byte[]) r[4]);
      if (r[7] != null) { // a fallback delivery: the sink is told whose delivery it stands in for
        lead = lead.toBuilder().attribute(io.leadrouter.DeliveryPolicy.FALLBACK_ATTRIBUTE, (String) r[7]).build();
      }
      claimed.add(new ClaimedDelivery((Long) r[0], lead, destination, (Integer) r[2],
          Instant.ofEpochMilli((Long) r[3]), Optional.ofNullable((String) r[5]), (Long) r[6]));
    }
    return claimed;
  }

  @Override
  public int renewLeases(List<ClaimedDelivery> deliveries, Instant now, Duration lease) {
    return stillClaimed(deliveries, now, lease).size();
  }

  @Override
  public List<ClaimedDelivery> stillClaimed(List<ClaimedDelivery> deliveries, Instant now, Duration lease) {
    if (deliveries.isEmpty()) {
      return List.of();
    }
    List<ClaimedDelivery> copy = List.copyOf(deliveries);
    long t = now.toEpochMilli();
    long leaseUntil = io.leadrouter.internal.DeliveryDecision.later(now, lease).toEpochMilli();
    // not flushed on its own: after a crash every delivery in flight is claimable again at the next open anyway
    return submit(new Op<List<ClaimedDelivery>>(false) {
      @Override
      boolean bounded() {
        return true; // the deliveries this router holds in flight
      }

      @Override
      List<ClaimedDelivery> run(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE lr_deliveries SET lease_until = ?, updated_at = ?"
            + " WHERE id = ? AND state = 'IN_FLIGHT' AND lease_owner = ? AND lease_epoch = ?")) {
          for (ClaimedDelivery d : copy) {
            ps.setLong(1, leaseUntil);
            ps.setLong(2, t);
            ps.setLong(3, d.deliveryId());
            ps.setString(4, owner);
            ps.setLong(5, d.leaseEpoch());
            ps.addBatch();
          }
          int[] counts = ps.executeBatch();
          List<ClaimedDelivery> held = new ArrayList<>(copy.size());
          for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
              held.add(copy.get(i));
            }
          }
          return held;
        }
      }
    });
  }

  @Override
  public void settle(List<Settlement> settlements, Instant now) {
    if (settlements.isEmpty()) {
      return;
    }
    submit(settleOp(settlements, now));
  }

  /**
   * Queues the settlements for the writer and returns at once: they join whatever the writer commits next (group
   * commit) and, unless an accepted lead shares the transaction, are committed without a flush of their own
   * ({@code synchronous=NORMAL} on SQLite): a settlement lost to a power cut only means a redelivery that the sink's
   * upsert absorbs.
   */
  @Override
  public CompletableFuture<Void> settleAsync(List<Settlement> settlements, Instant now) {
    CompletableFuture<List<Settlement>> fenced = settleFencedAsync(settlements, now);
    CompletableFuture<Void> written = new CompletableFuture<>();
    fenced.whenComplete((refused, e) -> {
      if (e != null) {
        written.completeExceptionally(e);
      } else {
        written.complete(null);
      }
    });
    return written;
  }

  @Override
  public CompletableFuture<List<Settlement>> settleFencedAsync(List<Settlement> settlements, Instant now) {
    if (settlements.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    if (closed) {
      return CompletableFuture.failedFuture(new JournalException("journal " + description + " is closed"));
    }
    Op<List<Settlement>> op = settleOp(settlements, now);
    if (!enqueue(op)) {
      return CompletableFuture.failedFuture(new JournalException("journal " + description + " is closed"));
    }
    return op.result;
  }

  private Op<List<Settlement>> settleOp(List<Settlement> settlements, Instant now) {
    List<Settlement> copy = List.copyOf(settlements);
    long t = now.toEpochMilli();
    return new Op<List<Settlement>>(false) {
      @Override
      boolean settles() {
        return true;
      }

      @Override
      List<Settlement> run(Connection c) throws SQLException {
        List<Settlement> refused = new ArrayList<>(0);
        // fenced by the lease: only the claim's holder, while the row is still that claim, may settle it (epoch 0:
        // a settlement made without its claim, by tools and tests, is not fenced)
        // the first failed attempt (attempts 0 before it) starts the give-up age: retry_since becomes its time, so
        // the time a lead waited in the backlog before it was first tried does not count as failing
        try (PreparedStatement ps = c.prepareStatement("UPDATE lr_deliveries SET state = ?, due_at = ?,"
            + " retry_since = CASE WHEN attempts = 0 AND ? = 1 THEN ? ELSE retry_since END,"
            + " attempts = attempts + ?, lease_until = NULL, updated_at = ?, last_error = COALESCE(?, last_error),"
            + " diagnosis_code = ?, diagnosis_message = ?, diagnosis_fix = ?, outcome = ?, record_id = ?"
            + " WHERE id = ? AND (? = 0 OR (state = 'IN_FLIGHT' AND lease_owner = ? AND lease_epoch = ?))")) {
          for (Settlement s : copy) {
            int attempt = s.countsAsAttempt() ? 1 : 0;
            ps.setString(1, s.state().name());
            ps.setLong(2, s.dueAt().toEpochMilli());
            ps.setInt(3, attempt);
            ps.setLong(4, t);
            ps.setInt(5, attempt);
            ps.setLong(6, t);
            ps.setString(7, s.error().map(JdbcJournal::clip).orElse(null));
            ps.setString(8, s.diagnosis().map(Diagnosis::code).orElse(null));
            ps.setString(9, s.diagnosis().map(d -> clip(d.message())).orElse(null));
            ps.setString(10, s.diagnosis().map(Diagnosis::remediation).orElse(null));
            ps.setString(11, s.result().map(r -> r.outcome().name()).orElse(null));
            ps.setString(12, s.result().flatMap(DeliveryResult::recordId).orElse(null));
            ps.setLong(13, s.deliveryId());
            ps.setLong(14, s.leaseEpoch());
            ps.setString(15, owner);
            ps.setLong(16, s.leaseEpoch());
            ps.addBatch();
          }
          int[] counts = ps.executeBatch();
          for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
              refused.add(copy.get(i));
            }
          }
        }
        if (!refused.isEmpty()) {
          refused.removeAll(alreadyWritten(c, refused, t));
          refused.removeAll(lateSuccesses(c, refused, t));
          refused.forEach(JdbcJournal.this::refused);
        }
        return refused;
      }
    };
  }

  /**
   * Of the refused settlements, those the row holds already: written by this very settlement, whose transaction ran
   * again on a new connection because the answer to its commit was lost (a server restart, a connection ended after
   * the commit reached the server). Refused, the outcome they recorded was never told: no DELIVERED event for a
   * delivered lead, and its receipt completed only by the receipt check.
   */
  private List<Settlement> alreadyWritten(Connection c, List<Settlement> refused, long t) throws SQLException {
    if (reconnect == null) {
      return List.of(); // a transaction is run again only on a new connection
    }
    List<Settlement> written = new ArrayList<>(0);
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM lr_deliveries WHERE id = ? AND state = ?"
        + " AND lease_owner = ? AND lease_epoch = ? AND updated_at = ? AND lease_until IS NULL")) {
      for (Settlement s : refused) {
        if (s.leaseEpoch() == 0) {
          continue;
        }
        ps.setLong(1, s.deliveryId());
        ps.setString(2, s.state().name());
        ps.setString(3, owner);
        ps.setLong(4, s.leaseEpoch());
        ps.setLong(5, t);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && (rerun == null || rerun.add("delivery:" + s.deliveryId()))) {
            written.add(s);
          }
        }
      }
    }
    return written;
  }

  /**
   * Of the refused settlements, the successes of a claim whose lease had ended (a call hung past its leases that did
   * reach the destination) recorded after all, where the delivery is not delivered yet: pending for a retry, parked,
   * dead-lettered, or in flight under the claim that took it over. The destination holds the lead, so it is delivered:
   * before, the late success was refused and a second claim that then failed (a destination refusing the resend, a
   * give-up) left the lead dead-lettered though it had arrived. A success never overrides a success (the new owner's
   * result stands), and a stale failure is still refused whatever the state. The claim now in flight, if any, finds
   * its own settlement refused: its outcome is not told, this one is.
   */
  private List<Settlement> lateSuccesses(Connection c, List<Settlement> refused, long t) throws SQLException {
    List<Settlement> successes = refused.stream().filter(s -> s.leaseEpoch() != 0
        && (s.state() == DeliveryState.DELIVERED || s.state() == DeliveryState.HANDED_OFF)).toList();
    if (successes.isEmpty()) {
      return List.of();
    }
    List<Settlement> recorded = new ArrayList<>(successes.size());
    try (PreparedStatement ps = c.prepareStatement("UPDATE lr_deliveries SET state = ?, lease_until = NULL,"
        + " updated_at = ?, diagnosis_code = NULL, diagnosis_message = NULL, diagnosis_fix = NULL, outcome = ?,"
        + " record_id = ? WHERE id = ? AND state IN ('PENDING', 'PARKED', 'DEAD', 'IN_FLIGHT')")) {
      for (Settlement s : successes) {
        ps.setString(1, s.state().name());
        ps.setLong(2, t);
        ps.setString(3, s.result().map(r -> r.outcome().name()).orElse(null));
        ps.setString(4, s.result().flatMap(DeliveryResult::recordId).orElse(null));
        ps.setLong(5, s.deliveryId());
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] == 0 && lateSuccessWrittenByFirstRun(c, successes.get(i), t)) {
          recorded.add(successes.get(i));
          LOG.info("journal {}: the late success ({}) of delivery {} was recorded by a commit whose answer was lost"
              + " (the connection broke)", description, successes.get(i).state(), successes.get(i).deliveryId());
        } else if (counts[i] > 0) {
          Settlement s = successes.get(i);
          recorded.add(s);
          LOG.warn("journal {}: recorded the late success ({}) of delivery {}, whose lease (epoch {}, owner {}) had"
              + " ended: the call reached the destination, so the lead is delivered (a retry, a dead letter or a"
              + " call of a later claim of it is superseded)", description, s.state(), s.deliveryId(),
              s.leaseEpoch(), owner);
        }
      }
    }
    return recorded;
  }

  /**
   * Whether the row holds {@code s} as this settlement's first run wrote it as a late success, its commit answer lost:
   * delivered at this very instant with this result, and no other settlement of this run took the row as its own.
   * Before, the run again found the row delivered and refused its own write as stale: DELIVERED was never told.
   */
  private boolean lateSuccessWrittenByFirstRun(Connection c, Settlement s, long t) throws SQLException {
    if (rerun == null) {
      return false; // a transaction is run again only on a new connection
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT outcome, record_id FROM lr_deliveries WHERE id = ?"
        + " AND state = ? AND updated_at = ? AND lease_until IS NULL")) {
      ps.setLong(1, s.deliveryId());
      ps.setString(2, s.state().name());
      ps.setLong(3, t);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            && Objects.equals(rs.getString(1), s.result().map(r -> r.outcome().name()).orElse(null))
            && Objects.equals(rs.getString(2), s.result().flatMap(DeliveryResult::recordId).orElse(null))
            && rerun.add("delivery:" + s.deliveryId());
      }
    }
  }

  private void refused(Settlement s) {
    LOG.warn("journal {}: refused a stale settlement ({}) of delivery {}: its lease (epoch {}, owner {}) ended and the"
        + " delivery was claimed again or settled by its new owner, whose result stands", description, s.state(),
        s.deliveryId(), s.leaseEpoch(), owner);
  }

  @Override
  public Optional<Instant> nextDue(String destination) {
    return query("SELECT min(due_at) FROM lr_deliveries WHERE destination = ? AND state IN ('PENDING', 'PARKED')",
        ps -> ps.setString(1, destination), JdbcJournal::firstInstant);
  }

  @Override
  public void park(String destination, Instant until, String reason) {
    submit(new Op<Void>(true) {
      @Override
      Void run(Connection c) throws SQLException {
        try (PreparedStatement up = c.prepareStatement(
            "UPDATE lr_destinations SET parked_until = ?, park_reason = ? WHERE name = ?")) {
          up.setLong(1, until.toEpochMilli());
          up.setString(2, clip(reason));
          up.setString(3, destination);
          if (up.executeUpdate() == 0) {
            try (PreparedStatement in = c.prepareStatement(
                "INSERT INTO lr_destinations (name, parked_until, park_reason) VALUES (?, ?, ?)")) {
              in.setString(1, destination);
              in.setLong(2, until.toEpochMilli());
              in.setString(3, clip(reason));
              in.executeUpdate();
            }
          }
        }
        return null;
      }
    });
  }

  @Override
  public Optional<Instant> parkedUntil(String destination, Instant now) {
    return query("SELECT parked_until FROM lr_destinations WHERE name = ?", ps -> ps.setString(1, destination),
        rs -> firstInstant(rs).filter(until -> until.isAfter(now)));
  }

  /** The first row's first column as an instant (epoch milliseconds); empty without a row or for NULL. */
  private static Optional<Instant> firstInstant(ResultSet rs) throws SQLException {
    if (!rs.next()) {
      return Optional.empty();
    }
    long v = rs.getLong(1);
    return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
  }

  @Override
  public int reclaimExpiredLeases(Instant now) {
    return update("UPDATE lr_deliveries SET state = 'PENDING', lease_until = NULL"
        + " WHERE state = 'IN_FLIGHT' AND lease_until <= ?", ps -> ps.setLong(1, now.toEpochMilli()));
  }

  /**
   * Due now: pending deliveries due after {@code latest}, a time no policy's wait reaches (set by a clock that has
   * since gone back). Moving a due time earlier is always safe: a lease, not the due time, keeps a delivery from two
   * workers at once.
   */
  @Override
  public int bringForward(String destination, Instant latest, Instant now) {
    return update("UPDATE lr_deliveries SET due_at = ? WHERE destination = ? AND state = 'PENDING' AND due_at > ?",
        ps -> {
          ps.setLong(1, now.toEpochMilli());
          ps.setString(2, destination);
          ps.setLong(3, latest.toEpochMilli());
        });
  }

  /** Returns every in-flight delivery to pending: run once at open, when no worker of this journal runs. */
  public int recoverInFlight() {
    return update("UPDATE lr_deliveries SET state = 'PENDING', lease_until = NULL WHERE state = 'IN_FLIGHT'",
        ps -> { });
  }

  @Override
  public List<DeliveryRecord> list(DeliveryQuery query) {
    return submit(c -> {
      List<Object> params = new ArrayList<>();
      String where = where(query, params);
      try (PreparedStatement ps = c.prepareStatement("SELECT " + RECORD_COLUMNS + " FROM lr_deliveries WHERE "
          + where + " ORDER BY updated_at DESC, id DESC LIMIT " + query.limit())) {
        bind(ps, params);
        return records(ps);
      }
    });
  }

  @Override
  public int replay(DeliveryQuery query, Instant now) {
    DeliveryQuery dead = new DeliveryQuery(java.util.EnumSet.of(DeliveryState.DEAD), query.destination(),
        query.diagnosisCode(), query.since(), query.until(), query.limit());
    List<Object> params = new ArrayList<>();
    long t = now.toEpochMilli();
    params.add(t);
    params.add(t);
    params.add(t);
    String where = where(dead, params);
    if (query.diagnosisCode().isEmpty()) {
      // their destination may hold them already (LeadJournal#replay): only a query naming the code moves them
      where += " AND (diagnosis_code IS NULL OR diagnosis_code NOT LIKE ? ESCAPE '!')";
      params.add("%" + Diagnosis.OUTCOME_UNKNOWN_SUFFIX.replace("_", "!_"));
    }
    return update("UPDATE lr_deliveries SET state = 'PENDING', attempts = 0, due_at = ?, retry_since = ?,"
        + " updated_at = ?, lease_until = NULL WHERE " + where, ps -> bind(ps, params));
  }

  @Override
  public int purgeDeadLetters(DeliveryQuery query) {
    DeliveryQuery dead = new DeliveryQuery(java.util.EnumSet.of(DeliveryState.DEAD), query.destination(),
        query.diagnosisCode(), query.since(), query.until(), query.limit());
    List<Object> params = new ArrayList<>();
    String where = where(dead, params);
    return update("DELETE FROM lr_deliveries WHERE " + where, ps -> bind(ps, params));
  }

  /** The most rows one pruning transaction deletes: short transactions, so the space is reused, not bloated. */
  static final int PRUNE_BATCH = 5_000;

  @Override
  public int pruneSettled(Instant before) {
    long t = before.toEpochMilli();
    // Bounded batches, each its own transaction between the routers' own: one DELETE of a day's million rows would
    // hold its locks and WAL for minutes and leave PostgreSQL's vacuum a million dead rows at once.
    int total = 0;
    while (true) {
      int n = update("DELETE FROM lr_deliveries WHERE id IN (SELECT id FROM lr_deliveries"
          + " WHERE state IN ('DELIVERED', 'HANDED_OFF') AND updated_at < ? LIMIT " + PRUNE_BATCH + ")",
          ps -> ps.setLong(1, t));
      total += n;
      if (n < PRUNE_BATCH) {
        break;
      }
    }
    while (update("DELETE FROM lr_leads WHERE seq IN (SELECT seq FROM lr_leads WHERE accepted_at < ?"
        + " AND NOT EXISTS (SELECT 1 FROM lr_deliveries d WHERE d.lead_seq = lr_leads.seq) LIMIT " + PRUNE_BATCH
        + ")", ps -> ps.setLong(1, t)) == PRUNE_BATCH) {
      // next batch
    }
    return total;
  }

  /** Counters whose moment to be forgotten has passed: their sink no longer reads them (see {@code SinkCounters}). */
  @Override
  public int pruneCounters(Instant now) {
    return update("DELETE FROM lr_counters WHERE forget_after < ?", ps -> ps.setLong(1, now.toEpochMilli()));
  }

  @Override
  public Map<String, Map<DeliveryState, Long>> counts() {
    return query("SELECT destination, state, count(*) FROM lr_deliveries GROUP BY destination, state", ps -> { },
        rs -> {
          Map<String, Map<DeliveryState, Long>> out = new TreeMap<>();
          while (rs.next()) {
            out.computeIfAbsent(rs.getString(1), k -> new EnumMap<>(DeliveryState.class))
                .put(DeliveryState.valueOf(rs.getString(2)), rs.getLong(3));
          }
          return out;
        });
  }

  @Override
  public Optional<Lead> lead(LeadId id) {
    byte[] payload = query("SELECT payload FROM lr_leads WHERE lead_id = ?", ps -> ps.setString(1, id.value()),
        rs -> rs.next() ? rs.getBytes(1) : null);
    // an empty payload was dropped by payloadRetention: the deliveries are recorded, the lead is no longer kept
    return Optional.ofNullable(payload).filter(p -> p.length > 0).map(p -> decode(id.value(), p));
  }

  @Override
  public List<DeliveryRecord> deliveries(LeadId id) {
    return submit(c -> deliveriesOf(c, "", id));
  }

  // ---- erasure, payload retention, fallback spill (#22) ----

  @Override
  public ErasureReceipt erase(Person person, Instant now) {
    Objects.requireNonNull(person, "person");
    long t = now.toEpochMilli();
    return submit(new Op<ErasureReceipt>(true, true) {
      @Override
      ErasureReceipt run(Connection c) throws SQLException {
        Map<String, Long> extensionsLeft = new TreeMap<>();
        List<LeadId> leads = personsLeads(c, person, extensionsLeft);
        Map<String, Long> rows = new java.util.LinkedHashMap<>();
        rows.put("leads", 0L);
        try (PreparedStatement count = c.prepareStatement(
                "SELECT state, count(*) FROM lr_deliveries WHERE lead_seq = (" + SEQ_OF_LEAD + ") GROUP BY state");
            PreparedStatement deliveries = c.prepareStatement("DELETE FROM lr_deliveries WHERE lead_seq = ("
                + SEQ_OF_LEAD + ")");
            PreparedStatement lead = c.prepareStatement("DELETE FROM lr_leads WHERE lead_id = ?")) {
          for (LeadId id : leads) {
            count.setString(1, id.value());
            try (ResultSet rs = count.executeQuery()) {
              while (rs.next()) {
                rows.merge("deliveries." + rs.getString(1).toLowerCase(java.util.Locale.ROOT), rs.getLong(2),
                    Long::sum);
              }
            }
            // the deliveries first: pending ones are cancelled with them (a settlement of one in flight finds no row)
            deliveries.setString(1, id.value());
            deliveries.executeUpdate();
            lead.setString(1, id.value());
            rows.merge("leads", (long) lead.executeUpdate(), Long::sum);
          }
        }
        List<Long> quarantined = new ArrayList<>();
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT id, payload FROM lr_quarantine")) {
          while (rs.next()) {
            if (person.appearsIn(rs.getBytes(2))) {
              quarantined.add(rs.getLong(1));
            }
          }
        }
        try (PreparedStatement del = c.prepareStatement("DELETE FROM lr_quarantine WHERE id = ?")) {
          for (long id : quarantined) {
            del.setLong(1, id);
            del.executeUpdate();
          }
        }
        rows.put("quarantine", (long) quarantined.size());
        String subject = person.kind().name().toLowerCase(java.util.Locale.ROOT);
        long id;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO lr_erasure (erased_at, subject, rows_erased)"
            + " VALUES (?, ?, ?) RETURNING id")) {
          ps.setLong(1, t);
          ps.setString(2, subject);
          ps.setString(3, ErasureReceipt.format(rows));
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
          }
        }
        return new ErasureReceipt(id, now, subject, rows, List.of(), leads, extensionsLeft);
      }
    });
  }

  /**
   * The ids of the person's leads: by id directly, otherwise by reading every stored lead; the leads holding their
   * phone number with an extension (not theirs: {@link Person#extensionOf}) are counted by extension into
   * {@code extensionsLeft}, for the receipt.
   */
  private List<LeadId> personsLeads(Connection c, Person person, Map<String, Long> extensionsLeft)
      throws SQLException {
    List<LeadId> out = new ArrayList<>();
    if (person.kind() == Person.Kind.LEAD_ID) {
      try (PreparedStatement ps = c.prepareStatement("SELECT lead_id FROM lr_leads WHERE lead_id = ?")) {
        ps.setString(1, person.value());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(LeadId.of(rs.getString(1)));
          }
        }
      }
      return out;
    }
    // no index on personal data (it would be a second copy to erase): every stored lead is read; the e-mail is looked
    // for in the raw bytes first, so only candidates are decoded
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT lead_id, payload FROM lr_leads")) {
      while (rs.next()) {
        byte[] payload = rs.getBytes(2);
        if (payload.length == 0 || (person.kind() == Person.Kind.EMAIL && !person.appearsIn(payload))) {
          continue;
        }
        Lead lead = decode(rs.getString(1), payload);
        if (person.matches(lead)) {
          out.add(LeadId.of(rs.getString(1)));
        } else {
          Optional<String> extension = person.extensionOf(lead);
          extension.ifPresent(x -> extensionsLeft.merge(x, 1L, Long::sum));
        }
      }
    }
    if (!extensionsLeft.isEmpty()) {
      // not erased, and said (the receipt carries it too): a number with extensions is a switchboard's, shared by
      // colleagues
      long withExtension = extensionsLeft.values().stream().mapToLong(Long::longValue).sum();
      List<String> shown = extensionsLeft.keySet().stream().limit(5).map(x -> "ext. " + x).toList();
      String first = extensionsLeft.keySet().iterator().next();
      LOG.info("erase {}: {} lead{} hold{} this number with an extension ({}{}), not erased: a number with extensions"
          + " is a switchboard's, shared by colleagues. To erase one of them, give the number with its extension as"
          + " the lead holds it (e.g. '<the number> ext. {}'; leadrouter erase --phone '<the number> ext. {}')",
          person, withExtension, withExtension == 1 ? "" : "s", withExtension == 1 ? "s" : "", String.join(", ", shown),
          extensionsLeft.size() > shown.size() ? ", ..." : "", first, first);
    }
    return out;
  }

  @Override
  public void completeErasure(long receiptId, Map<String, Long> rows, List<String> notErased) {
    submit(new Op<Void>(true) {
      @Override
      Void run(Connection c) throws SQLException {
        String stored;
        try (PreparedStatement ps = c.prepareStatement("SELECT rows_erased FROM lr_erasure WHERE id = ?")) {
          ps.setLong(1, receiptId);
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              return null;
            }
            stored = rs.getString(1);
          }
        }
        Map<String, Long> all = ErasureReceipt.parse(stored);
        all.putAll(rows);
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE lr_erasure SET rows_erased = ?, not_erased = ? WHERE id = ?")) {
          ps.setString(1, ErasureReceipt.format(all));
          ps.setString(2, String.join(",", notErased));
          ps.setLong(3, receiptId);
          ps.executeUpdate();
        }
        return null;
      }
    });
  }

  @Override
  public List<ErasureReceipt> erasures(int limit) {
    return query("SELECT id, erased_at, subject, rows_erased, not_erased FROM lr_erasure ORDER BY id DESC LIMIT ?",
        ps -> ps.setInt(1, Math.max(0, limit)), rs -> {
          List<ErasureReceipt> out = new ArrayList<>();
          while (rs.next()) {
            String notErased = rs.getString(5);
            out.add(new ErasureReceipt(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3),
                ErasureReceipt.parse(rs.getString(4)),
                notErased == null || notErased.isEmpty() ? List.of() : List.of(notErased.split(",")), List.of()));
          }
          return out;
        });
  }

  /**
   * The {@code lr_counters} destination the router's clock marks are kept under: a name no sink can have (sink names
   * start with a letter).
   */
  static final String CLOCK_MARKS = " router clock";

  @Override
  public Map<String, Long> clockMarks() {
    return query("SELECT name, value FROM lr_counters WHERE destination = ?", ps -> ps.setString(1, CLOCK_MARKS),
        rs -> {
          Map<String, Long> marks = new java.util.LinkedHashMap<>();
          while (rs.next()) {
            marks.put(rs.getString(1), rs.getLong(2));
          }
          return marks;
        });
  }

  @Override
  public void putClockMarks(Map<String, Long> marks) {
    Map<String, Long> copy = Map.copyOf(marks);
    submit(new Op<Void>(false) {
      @Override
      Void run(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM lr_counters WHERE destination = ?")) {
          ps.setString(1, CLOCK_MARKS);
          ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO lr_counters (destination, name, value) VALUES (?, ?, ?)")) {
          for (Map.Entry<String, Long> e : copy.entrySet()) {
            ps.setString(1, CLOCK_MARKS);
            ps.setString(2, e.getKey());
            ps.setLong(3, e.getValue());
            ps.addBatch();
          }
          ps.executeBatch();
        }
        return null;
      }
    });
  }

  @Override
  public int dropDeliveredPayloads(Map<String, Duration> retention, Instant now) {
    if (retention.isEmpty()) {
      return 0;
    }
    List<Object> params = new ArrayList<>();
    StringBuilder kept = new StringBuilder();
    long latest = Long.MIN_VALUE;
    for (Map.Entry<String, Duration> e : new TreeMap<>(retention).entrySet()) {
      long cutoff = io.leadrouter.internal.DeliveryDecision.earlier(now, e.getValue()).toEpochMilli();
      latest = Math.max(latest, cutoff);
      kept.append(kept.length() == 0 ? "" : " OR ")
          .append("(d.destination = ? AND d.state IN ('DELIVERED', 'HANDED_OFF') AND d.updated_at < ?)");
      params.add(e.getKey());
      params.add(cutoff);
    }
    long before = latest;
    // a lead's payload goes once every delivery of it is settled long enough, each by its destination's retention
    String sql = "UPDATE lr_leads SET payload = ?, trace_context = NULL WHERE seq IN (SELECT l.seq FROM"
        + " lr_leads l WHERE l.accepted_at < ? AND length(l.payload) > 0"
        + " AND EXISTS (SELECT 1 FROM lr_deliveries d WHERE d.lead_seq = l.seq)"
        + " AND NOT EXISTS (SELECT 1 FROM lr_deliveries d WHERE d.lead_seq = l.seq AND NOT (" + kept + "))"
        + " LIMIT " + PRUNE_BATCH + ")";
    int total = 0;
    while (true) {
      int n = submit(new Op<Integer>(false, true) {
        @Override
        Integer run(Connection c) throws SQLException {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setBytes(1, new byte[0]);
            ps.setLong(2, before);
            bind(ps, 3, params);
            return ps.executeUpdate();
          }
        }
      });
      total += n;
      if (n < PRUNE_BATCH) {
        return total;
      }
    }
  }

  @Override
  public List<Spill> spill(String destination, String fallback, Instant acceptedBefore, Instant now, int max) {
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(fallback, "fallback");
    long t = now.toEpochMilli();
    return submit(new Op<List<Spill>>(true) {
      @Override
      List<Spill> run(Connection c) throws SQLException {
        List<Object[]> due = new ArrayList<>();
        // the predicate repeats the partial index's word for word, so the planner uses it (SQLite needs that)
        try (PreparedStatement ps = c.prepareStatement("SELECT d.id, d.lead_id, d.attempts, d.lead_seq"
            + " FROM lr_deliveries d WHERE d.destination = ? AND d.accepted_at <= ? AND " + JournalSchema.UNSPILLED
            + " ORDER BY d.accepted_at LIMIT ?" + dialect.claimLock())) {
          ps.setString(1, destination);
          ps.setLong(2, acceptedBefore.toEpochMilli());
          ps.setInt(3, max);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              due.add(new Object[] {rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getLong(4)});
            }
          }
        }
        List<Spill> out = new ArrayList<>(due.size());
        try (PreparedStatement mark = c.prepareStatement(
                "UPDATE lr_deliveries SET spilled_at = ? WHERE id = ? AND spilled_at IS NULL");
            PreparedStatement add = c.prepareStatement("INSERT INTO lr_deliveries (lead_id, destination, state,"
                + " attempts, due_at, accepted_at, retry_since, updated_at, fallback_for, lead_seq)"
                + " VALUES (?, ?, 'PENDING', 0, ?, ?, ?, ?, ?, ?) ON CONFLICT (lead_seq, destination) DO NOTHING")) {
          for (Object[] r : due) {
            mark.setLong(1, t);
            mark.setLong(2, (Long) r[0]);
            if (mark.executeUpdate() == 0) {
              continue; // spilled meanwhile (another router)
            }
            add.setString(1, (String) r[1]);
            add.setString(2, fallback);
            setNewDeliveryTimes(add, 3, t);
            add.setString(7, destination);
            add.setLong(8, (Long) r[3]);
            boolean queued = add.executeUpdate() > 0;
            out.add(new Spill(LeadId.of((String) r[1]), (Integer) r[2], queued));
          }
        }
        if (out.stream().anyMatch(Spill::queued)) {
          accepted.add(fallback); // other routers on the database are told at commit
        }
        return out;
      }
    });
  }

  // ---- quarantine: payloads that could not be read unambiguously (#16) ----

  @Override
  public long quarantine(byte[] payload, String origin, Diagnosis diagnosis, Instant now) {
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(diagnosis, "diagnosis");
    byte[] copy = payload.clone();
    long t = now.toEpochMilli();
    return submit(new IntakeOp<Long>() { // durable like an accepted lead: the sender is told it is kept
      @Override
      Long run(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO lr_quarantine (received_at, origin,"
            + " diagnosis_code, diagnosis_message, diagnosis_fix, payload) VALUES (?, ?, ?, ?, ?, ?) RETURNING id")) {
          ps.setLong(1, t);
          ps.setString(2, clip(origin));
          ps.setString(3, diagnosis.code());
          ps.setString(4, clip(diagnosis.message()));
          ps.setString(5, clip(diagnosis.remediation()));
          ps.setBytes(6, copy);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        }
      }
    });
  }

  private static final String QUARANTINE_COLUMNS = "id, received_at, origin, diagnosis_code, diagnosis_message,"
      + " diagnosis_fix, payload";

  @Override
  public List<QuarantinedPayload> quarantined(int limit) {
    return query("SELECT " + QUARANTINE_COLUMNS + " FROM lr_quarantine ORDER BY received_at DESC, id DESC LIMIT ?",
        ps -> ps.setInt(1, Math.max(0, limit)), JdbcJournal::quarantineRows);
  }

  @Override
  public List<QuarantinedPayload> quarantinedAfter(long afterId, int limit) {
    // keyset paging on the primary key: each page is an index range scan, however deep into the quarantine
    return query("SELECT " + QUARANTINE_COLUMNS + " FROM lr_quarantine WHERE id > ? ORDER BY id LIMIT ?", ps -> {
      ps.setLong(1, afterId);
      ps.setInt(2, Math.max(0, limit));
    }, JdbcJournal::quarantineRows);
  }

  @Override
  public Optional<QuarantinedPayload> quarantined(long id) {
    return query("SELECT " + QUARANTINE_COLUMNS + " FROM lr_quarantine WHERE id = ?", ps -> ps.setLong(1, id),
        rs -> quarantineRows(rs).stream().findFirst());
  }

  private static List<QuarantinedPayload> quarantineRows(ResultSet rs) throws SQLException {
    List<QuarantinedPayload> out = new ArrayList<>();
    while (rs.next()) {
      out.add(new QuarantinedPayload(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3),
          new Diagnosis(rs.getString(4), rs.getString(5), rs.getString(6)), rs.getBytes(7)));
    }
    return out;
  }

  @Override
  public void rediagnose(long id, Diagnosis diagnosis) {
    update("UPDATE lr_quarantine SET diagnosis_code = ?, diagnosis_message = ?, diagnosis_fix = ? WHERE id = ?",
        ps -> {
          ps.setString(1, diagnosis.code());
          ps.setString(2, clip(diagnosis.message()));
          ps.setString(3, clip(diagnosis.remediation()));
          ps.setLong(4, id);
        });
  }

  @Override
  public boolean releaseQuarantined(long id) {
    return update("DELETE FROM lr_quarantine WHERE id = ?", ps -> ps.setLong(1, id)) > 0;
  }

  @Override
  public int purgeQuarantined(Instant before) {
    return update("DELETE FROM lr_quarantine WHERE received_at < ?", ps -> ps.setLong(1, before.toEpochMilli()));
  }

  @Override
  public long quarantineCount() {
    return query("SELECT count(*) FROM lr_quarantine", ps -> { }, rs -> rs.next() ? rs.getLong(1) : 0L);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.add(STOP);
    // waited for even when the caller is interrupted: closing the connection under a writer still in a transaction
    // would fail what it is committing (SQLite: a native handle closed while in use), and the seal's file channel
    // is closed by an interrupt; the interrupt is kept for the caller
    boolean interrupted = Thread.interrupted();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (writer.isAlive() && System.nanoTime() < deadline) {
      try {
        writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      closeQuietly();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * What the writer thread looks at about once a second (a few {@code stat} calls, never per lead): whether the
   * journal's files are still the ones it writes. A file database deleted, moved or replaced under a running process is
   * still written through the open descriptors, and what is written there is lost when the process ends.
   */
  public interface FileWatch {
    /** Null while the journal's file is the one opened; otherwise why no lead is accepted now, and the fix. */
    String moved();

    /**
     * Null while this process holds the journal's lock; a lock file deleted under it is created and locked again
     * (another process could open the journal beside this one otherwise). Otherwise why no lead is accepted now.
     */
    String lockLost();

    /** Whether the write-ahead log the connection writes was deleted: a crash would lose every write it holds. */
    boolean logGone();

    /** Null while the write-ahead log is whole; otherwise what another program did to it: its writes are gone. */
    String logCut();

    /**
     * Copies what {@code old} wrote into the file, closes it (unless it is closed already) and opens a new connection
     * on the file, with a new log.
     */
    Connection reopen(Connection old) throws SQLException;
  }

  /** Starts watching the journal's files (see {@link FileWatch}). */
  public void watchFiles(FileWatch watch) {
    this.fileWatch = Objects.requireNonNull(watch, "watch");
  }

  /** On the writer thread: at most once a second, whether the files are still the ones written (see FileWatch). */
  private void watch() {
    FileWatch w = fileWatch;
    long now = System.nanoTime();
    if (w == null || now - lastWatch < WATCH_NANOS || damaged != null) {
      return;
    }
    lastWatch = now;
    String problem = w.moved();
    if (problem == null) {
      problem = w.lockLost();
    }
    if (problem != null) {
      if (moved == null) {
        LOG.error(problem);
      }
      moved = new JournalException(problem);
      return;
    }
    if (moved != null) {
      moved = null;
      LOG.info("journal {}: its files are the ones it opened again: leads are accepted again", description);
    }
    boolean closedUnderUs;
    try {
      closedUnderUs = connection.isClosed();
    } catch (SQLException e) {
      closedUnderUs = true;
    }
    if (closedUnderUs || w.logGone()) {
      reopen(w);
      return;
    }
    String cut = w.logCut();
    if (cut != null) {
      damaged(dialect.damaged(description, cut), null); // the writes since the last checkpoint are not on the disk
    }
  }

  private static final long WATCH_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Replaces the connection whose log was deleted by one on a new log (see FileWatch#reopen); tried again if not. */
  private void reopen(FileWatch w) {
    LOG.warn("journal {}: its -wal file was deleted while the router ran (it holds the latest writes until they are"
        + " copied into the journal file): copying them into the file and opening it again", description);
    statements.clear();
    Connection fresh;
    try {
      fresh = w.reopen(connection);
      fresh.setAutoCommit(false);
    } catch (SQLException | RuntimeException e) {
      LOG.error("journal {}: could not open it again on a new -wal file ({}); trying again in a second", description,
          e.getMessage());
      return;
    }
    connection = fresh;
    statements = new StatementCache(fresh);
    LOG.info("journal {}: opened again, on a new -wal file", description);
  }

  /** Whether the database said its file is damaged (then nothing more is done on it). */
  public boolean isDamaged() {
    return damaged != null;
  }

  @Override
  public String toString() {
    return dialect.name() + " journal " + description;
  }

  // ---- helpers ----

  /** The sequence number of the lead whose id is the parameter: deliveries are keyed by it (schema 8). */
  private static final String SEQ_OF_LEAD = "SELECT seq FROM lr_leads WHERE lead_id = ?";

  private static final String RECORD_COLUMNS = "id, lead_id, destination, state, attempts, accepted_at, due_at,"
      + " updated_at, last_error, diagnosis_code, diagnosis_message, diagnosis_fix, outcome, record_id";

  private static List<DeliveryRecord> deliveriesOf(Connection c, String prefix, LeadId id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT " + RECORD_COLUMNS + " FROM " + prefix + "lr_deliveries WHERE lead_seq = (SELECT seq FROM " + prefix
            + "lr_leads WHERE lead_id = ?) ORDER BY id")) {
      ps.setString(1, id.value());
      return records(ps);
    }
  }

  private static List<DeliveryRecord> records(PreparedStatement ps) throws SQLException {
    List<DeliveryRecord> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String code = rs.getString(10);
        Optional<Diagnosis> diagnosis = code == null ? Optional.empty() : Optional.of(new Diagnosis(code,
            Objects.requireNonNullElse(rs.getString(11), ""), Objects.requireNonNullElse(rs.getString(12), "")));
        String outcome = rs.getString(13);
        Optional<DeliveryResult> result = outcome == null ? Optional.empty()
            : Optional.of(new DeliveryResult(DeliveryOutcome.valueOf(outcome), Optional.ofNullable(rs.getString(14))));
        out.add(new DeliveryRecord(rs.getLong(1), LeadId.of(rs.getString(2)), rs.getString(3),
            DeliveryState.valueOf(rs.getString(4)), rs.getInt(5), Instant.ofEpochMilli(rs.getLong(6)),
            Instant.ofEpochMilli(rs.getLong(7)), Instant.ofEpochMilli(rs.getLong(8)),
            Optional.ofNullable(rs.getString(9)), diagnosis, result));
      }
    }
    return out;
  }

  private static String where(DeliveryQuery q, List<Object> params) {
    StringBuilder w = new StringBuilder("state IN (")
        .append(q.states().stream().map(s -> "'" + s.name() + "'").sorted().collect(Collectors.joining(", ")))
        .append(')');
    q.destination().ifPresent(d -> {
      w.append(" AND destination = ?");
      params.add(d);
    });
    q.diagnosisCode().ifPresent(code -> {
      w.append(" AND diagnosis_code = ?");
      params.add(code);
    });
    q.since().ifPresent(t -> {
      w.append(" AND updated_at >= ?");
      params.add(t.toEpochMilli());
    });
    q.until().ifPresent(t -> {
      w.append(" AND updated_at < ?");
      params.add(t.toEpochMilli());
    });
    return w.toString();
  }

  private static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
    bind(ps, 1, params);
  }

  /** Binds {@code params} (each a Long or a String) to the parameters from {@code first} on. */
  private static void bind(PreparedStatement ps, int first, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object p = params.get(i);
      if (p instanceof Long l) {
        ps.setLong(first + i, l);
      } else {
        ps.setString(first + i, (String) p);
      }
    }
  }

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private int update(String sql, Binder binder) {
    return submit(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        binder.bind(ps);
        return ps.executeUpdate();
      }
    });
  }

  /** Reads what a query returned. */
  private interface Rows<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Runs one query in the writer's order (as {@link #update} does a statement) and reads its result. */
  private <T> T query(String sql, Binder binder, Rows<T> rows) {
    return submit(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        binder.bind(ps);
        try (ResultSet rs = ps.executeQuery()) {
          return rows.read(rs);
        }
      }
    });
  }

  private static String ownerId() {
    // no DNS lookup here: opening a journal must not wait on a resolver
    String host = Objects.requireNonNullElse(System.getenv("HOSTNAME"), "host");
    return host + "/" + ProcessHandle.current().pid() + "/"
        + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 16);
  }

  private static String clip(String s) {
    return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
  }

  /**
   * Ends a failed transaction and leaves the connection in a new one. The cached statements are dropped: one that
   * failed may be unusable (sqlite-jdbc finalizes a statement that failed with a full disk or an I/O error, yet still
   * reports it open), and every later operation using it failed until a restart.
   */
  private void rollbackQuietly() {
    statements.clear();
    try {
      if (connection.getAutoCommit()) {
        connection.setAutoCommit(false); // the failure came between an erasure's auto-commit steps
      }
      dialect.rollback(connection);
    } catch (SQLException e) {
      LOG.warn("rollback of journal {} failed: {}", description, e.getMessage());
    }
  }

  private void closeQuietly() {
    try {
      statements.clear();
      connection.close();
    } catch (SQLException e) {
      LOG.warn("closing journal {} failed: {}", description, e.getMessage());
    }
    if (onClose != null) {
      onClose.run();
    }
  }
}
