package io.leadrouter.azuretable;

import io.leadrouter.ConfigurationException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.util.Context;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.ListEntitiesOptions;
import com.azure.data.tables.models.TableEntity;
import io.leadrouter.IntakeReceipt;
import io.leadrouter.InvalidLeadException;
import io.leadrouter.Lead;
import io.leadrouter.Pii;
import io.leadrouter.LeadRouter;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.Problem;
import io.leadrouter.azuretable.internal.AnswerTooLongException;
import io.leadrouter.azuretable.internal.EntityLimits;
import io.leadrouter.ReadResult;
import io.leadrouter.journal.QuarantinedPayload;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.TransientDeliveryException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads new rows of a marketplace {@code MarketplaceLeads} table and hands each, as a {@link Lead} decoded by
 * {@link MarketplaceCodec#fromTableEntity}, to a {@link LeadTarget} (e.g. {@code router::route}): for publishers whose
 * marketplace offers already write leads to Azure Table storage.
 *
 * <p>Each poll asks for {@code Timestamp ge <checkpoint>} (and older than the settle delay), takes the rows in
 * timestamp order, and after each row saves the {@link PollerCheckpoint} to its {@link CheckpointStore}: a restart
 * neither skips nor repeats rows (a crash between handing a lead over and saving offers that one lead again, which
 * the router's idempotency by lead id absorbs). Rows that cannot be decoded, or that the target refuses with
 * {@link InvalidLeadException}, are reported once to the {@link MalformedRowListener} and logged by row key (no
 * customer data), and the checkpoint moves past them. Any other target failure ends the poll; the same row is
 * offered again at the next poll.
 *
 * <p>Given a {@link Builder#router(LeadRouter) router} instead of a target, the poller takes each row in as
 * {@code serve} takes a post ({@link LeadRouter#intake(ReadResult, byte[], String)}): a row read unambiguously is
 * routed; a row that cannot be (or a lead no route takes, or another lead under an id already accepted) is kept in the
 * journal's quarantine, the row as JSON ({@link MarketplaceCodec#tableRowJson}) with its diagnosis naming the column
 * as written, once per row: the first row a poller takes after a start or a failed poll is looked for among the most
 * recently quarantined payloads, so a crash between keeping a row and saving the checkpoint does not keep it twice.
 *
 * <p>{@link #start()} polls at a fixed delay on one daemon thread; {@link #pollOnce()} polls in the caller's thread.
 */
public final class AzureTableLeadPoller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AzureTableLeadPoller.class);
  /** Shortest poll interval: each poll scans the table by Timestamp, which costs transactions. */
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
  /** Longest poll interval. */
  public static final Duration MAX_INTERVAL = Duration.ofHours(1);
  /**
   * Shortest settle delay: rows younger than it wait for a later poll. Below it (0 above all), a row still committing
   * elsewhere (another partition server, a slow write) with an earlier Timestamp than a row taken becomes visible only
   * after the checkpoint moved past it, and is passed over for good; the service's clock is read in whole seconds.
   */
  public static final Duration MIN_SETTLE_DELAY = Duration.ofSeconds(1);
  /** Longest settle delay. */
  public static final Duration MAX_SETTLE_DELAY = Duration.ofMinutes(5);
  /**
   * Longest wait a throttling answer (429, or 503 {@code ServerBusy}) is followed for: its {@code Retry-After} (or
   * {@code x-ms-retry-after-ms}, {@code retry-after-ms}) is honoured up to this, so a bogus one cannot stop the feed.
   */
  public static final Duration MAX_THROTTLE_WAIT = Duration.ofMinutes(5);
  /** Default for {@link Builder#maxBytesPerPoll}: 32 MiB of rows, as the service counts them. */
  public static final long DEFAULT_MAX_BYTES_PER_POLL = 32L << 20;
  /** Least {@link Builder#maxBytesPerPoll}: one entity of the largest size the service stores (1 MiB). */
  public static final long MIN_MAX_BYTES_PER_POLL = EntityLimits.MAX_ENTITY_BYTES;
  /** Most rows the service answers in one page. */
  private static final int SERVICE_PAGE_ROWS = 1000;
  /** Most bytes of JSON per byte of a row as the service counts it (UTF-16): a control character is six. */
  private static final int MAX_JSON_PER_SERVICE_BYTE = 3;
  /** How many of the most recently quarantined payloads are searched for a row perhaps kept before a crash. */
  static final int KEPT_LOOKBACK = 200;
  private static final Comparator<TableEntity> ROW_ORDER = Comparator
      .comparing((TableEntity e) -> e.getTimestamp().toInstant())
      .thenComparing(TableEntity::getPartitionKey).thenComparing(TableEntity::getRowKey);
  private static final DateTimeFormatter ODATA_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'").withZone(ZoneOffset.UTC);

  private final TableClient table;
  private final AzureTableAccount account;
  private final String tableName;
  private final LeadTarget target;
  private final LeadRouter router;
  private final CheckpointStore store;
  private final MalformedRowListener listener;
  private final Duration interval;
  private final Duration settleDelay;
  private final int maxRowsPerPoll;
  private final long maxBytesPerPoll;
  private final Duration requestTimeout;
  private final Clock clock;
  private final MarketplaceCodec codec = MarketplaceCodec.standard();
  private PollerCheckpoint checkpoint;
  // the next row may have been kept in quarantine before the checkpoint was saved (a crash, a failed save)
  private boolean unsure = true;
  private ScheduledExecutorService scheduler;
  // the service asked (Retry-After) not to be read before then; told in the log once per throttling spell
  private Instant throttledUntil = Instant.EPOCH;
  private boolean throttled;
  // rows asked for per page: the service's most, fewer while rows are too large for maxAnswerBytes at that many
  private int pageRows = SERVICE_PAGE_ROWS;

  private AzureTableLeadPoller(Builder b) {
    this.tableName = b.tableName;
    this.account = b.account;
    this.table = b.client(maxAnswerBytes(b.maxBytesPerPoll));
    this.router = b.router;
    this.target = b.router != null ? b.router::route : b.target;
    this.store = b.store != null ? b.store
        : TableCheckpointStore.create(b.account, TableCheckpointStore.DEFAULT_TABLE, b.name, b.requestTimeout);
    this.listener = b.listener;
    this.interval = b.interval;
    this.settleDelay = b.settleDelay;
    this.maxRowsPerPoll = b.maxRowsPerPoll;
    this.maxBytesPerPoll = b.maxBytesPerPoll;
    this.requestTimeout = b.requestTimeout;
    this.clock = b.clock;
  }

  /** A builder; {@link Builder#account} and {@link Builder#target} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * What one poll did.
   *
   * @param routed rows handed to the target
   * @param malformed rows reported as malformed and passed over (with a router: kept in its quarantine)
   * @param failure why the poll ended early, if it did: the target's own exception when the target failed; otherwise
   *     (table unreachable or refusing, checkpoint not loaded or not saved) an {@link IllegalStateException} whose
   *     message says which step failed, the service's answer and the fix, its cause the original failure
   */
  public record PollResult(int routed, int malformed, Optional<Exception> failure) {
    /** Checks parts. */
    public PollResult {
      Objects.requireNonNull(failure, "failure");
    }
  }

  /** Polls once in the caller's thread; never throws for service or target failures (see the result). */
  public synchronized PollResult pollOnce() {
    int routed = 0;
    int malformed = 0;
    String step = "loading the checkpoint from " + store;
    if (clock.instant().isBefore(throttledUntil)) { // honoured here too, not only by start()'s polling
      return new PollResult(0, 0, Optional.of(new IllegalStateException("table " + tableName + " is not read before "
          + throttledUntil + ": the Table service throttled the last poll and asked to wait (Retry-After); the "
          + "poller reads it again then")));
    }
    try {
      if (checkpoint == null) {
        PollerCheckpoint loaded = store.load().orElse(PollerCheckpoint.BEGINNING);
        Instant now = clock.instant();
        if (loaded.timestamp().isAfter(now)) { // no row can be newer than now: taking it would pass rows over
          throw new IllegalStateException("the poller checkpoint in " + store + " is at " + loaded.timestamp()
              + ", after this host's clock (" + now + "): rows written before then would be passed over. Fix: "
              + "correct this host's clock, or fix or delete the checkpoint (deleting makes the poller start from "
              + "the table's first row; leads already taken are absorbed as duplicates by their id)");
        }
        checkpoint = loaded;
      }
      step = "reading table " + tableName;
      List<TableEntity> rows = newRows();
      step = "saving the checkpoint to " + store;
      for (TableEntity row : rows) {
        if (routed + malformed >= maxRowsPerPoll) {
          break;
        }
        Instant ts = row.getTimestamp().toInstant();
        String key = PollerCheckpoint.key(row.getPartitionKey(), row.getRowKey());
        if (checkpoint.covers(ts, key)) {
          continue;
        }
        Optional<List<Problem>> refused;
        if (row.getRowKey().startsWith(AzureTableSink.VERIFY_ROW_PREFIX)) {
          refused = Optional.empty(); // the sink's own publish-check probe, deleted right after: not a lead
        } else {
          try {
            refused = router != null ? intake(row, ts) : offer(row);
          } catch (Exception | Error e) { // an Error (StackOverflowError, AssertionError) is the target's failure too
            LOG.warn("lead row {} of table {} was not taken ({}); it is offered again at the next poll",
                safe(row.getRowKey()), tableName, e.getClass().getSimpleName());
            unsure = true;
            return new PollResult(routed, malformed, Optional.of(e instanceof Exception x ? x
                : new IllegalStateException("the target failed with " + e.getClass().getName() + "; the row is "
                    + "offered again at the next poll", e)));
          }
          if (refused.isPresent()) {
            malformed++;
            if (!refused.get().isEmpty()) { // none: kept and reported before the checkpoint was saved
              report(row, ts, refused.get());
            }
          } else {
            routed++;
          }
        }
        PollerCheckpoint next = checkpoint.advance(ts, key);
        store.save(next);
        checkpoint = next;
        unsure = false;
      }
      if (throttled) {
        throttled = false;
        LOG.info("table {} is read again after throttling", tableName);
      }
      return new PollResult(routed, malformed, Optional.empty());
    } catch (RuntimeException e) {
      unsure = true;
      IllegalStateException told = told(step, e);
      Optional<Duration> wait = throttleWait(e);
      if (wait.isPresent()) {
        throttledUntil = clock.instant().plus(wait.get());
        if (!throttled) { // once per spell: a service throttling for an hour does not flood the log
          throttled = true;
          LOG.warn("polling table {} was throttled; the poller waits {} as the service asked (Retry-After, at most {})"
              + " before reading it again: {}", tableName, wait.get(), MAX_THROTTLE_WAIT, told.getMessage());
        } else {
          LOG.debug("polling table {} was throttled again; waiting {}: {}", tableName, wait.get(), told.getMessage());
        }
      } else {
        LOG.warn("polling table {} failed: {}", tableName, told.getMessage());
      }
      return new PollResult(routed, malformed, Optional.of(told));
    }
  }

  /**
   * The wait a throttling or busy answer named ({@code Retry-After}, {@code x-ms-retry-after-ms},
   * {@code retry-after-ms}), at most {@link #MAX_THROTTLE_WAIT}; empty when the failure names none.
   */
  private Optional<Duration> throttleWait(RuntimeException e) {
    DeliveryException d = AzureTableErrors.classify(e, tableName);
    return d instanceof TransientDeliveryException t ? t.retryAfter()
        .filter(w -> !w.isZero())
        .map(w -> w.compareTo(MAX_THROTTLE_WAIT) > 0 ? MAX_THROTTLE_WAIT : w) : Optional.empty();
  }

  /** The failure of {@code step} as what the user reads: what failed, the service's answer and the fix. */
  private IllegalStateException told(String step, RuntimeException e) {
    if (step.startsWith("reading")) {
      return new IllegalStateException(step + " failed: " + AzureTableErrors.pollFailure(e, tableName, account,
          clock.instant()), e);
    }
    if (e instanceof IllegalStateException i && i.getMessage() != null) {
      return i; // the checkpoint's own account of itself (damaged, in the future, TableCheckpointStore's requests)
    }
    return new IllegalStateException(step + " failed: " + e.getClass().getSimpleName() + ": "
        + io.leadrouter.spi.Scrubber.standard().scrub(String.valueOf(e.getMessage()).lines().findFirst().orElse("")),
        e);
  }

  /** Hands the row's lead to the target: empty when taken, the problems when malformed or refused as invalid. */
  private Optional<List<Problem>> offer(TableEntity row) throws Exception {
    Lead lead;
    try {
      lead = codec.fromTableEntity(columns(row));
    } catch (InvalidLeadException e) {
      return Optional.of(e.problems());
    } catch (RuntimeException e) { // a value of a type the codec does not expect: still this row's fault
      return Optional.of(List.of(new Problem("row", "cannot be read as a lead: " + e.getClass().getSimpleName(),
          "check the row's columns against the marketplace's MarketplaceLeads schema")));
    }
    try {
      target.accept(lead);
      return Optional.empty();
    } catch (InvalidLeadException e) {
      return Optional.of(e.problems());
    }
  }

  /**
   * Takes the row in through the router: routed (empty), kept in its quarantine (the diagnosis as problems), or found
   * kept already by an earlier poll (no problems: reported then). Throws when the journal cannot keep it: the row is
   * offered again at the next poll.
   */
  private Optional<List<Problem>> intake(TableEntity row, Instant ts) {
    Map<String, Object> columns = columns(row);
    ReadResult read;
    try {
      read = codec.readTableEntity(columns);
    } catch (RuntimeException e) { // a value of a type the codec does not expect: still this row's fault
      read = new ReadResult.Unreadable(new Diagnosis("PAYLOAD_WRONG_TYPE", "row: cannot be read as a lead ("
          + e.getClass().getSimpleName() + ")", "check the row's columns against the marketplace's MarketplaceLeads"
          + " schema"));
    }
    byte[] payload = codec.tableRowJson(columns);
    String origin = MarketplaceCodec.TABLE_ROW_ORIGIN + tableName + " row PartitionKey '"
        + printable(row.getPartitionKey()) + "', RowKey '" + printable(row.getRowKey()) + "', Timestamp " + ts;
    // after a start or a failed save, any row may have been kept already; an unreadable one also by another poller
    // of this table sharing the journal (two instances of one application), which took it before this one did
    if (unsure || read instanceof ReadResult.Unreadable) {
      Optional<QuarantinedPayload> kept = keptBefore(origin, payload);
      if (kept.isPresent()) {
        LOG.info("lead row {} of table {} was kept in quarantine ({}) already (before the checkpoint was saved, or by "
            + "another poller of this table); not kept again", safe(row.getRowKey()), tableName, kept.get().id());
        return Optional.of(List.of());
      }
    }
    IntakeReceipt taken = router.intake(read, payload, origin);
    if (taken instanceof IntakeReceipt.Quarantined q) {
      LOG.warn("lead row {} (partition {}) of table {} kept in the journal's quarantine as {}: {}",
          safe(row.getRowKey()), safe(row.getPartitionKey()), tableName, q.quarantineId(), q.diagnosis().code());
      return Optional.of(problems(q.diagnosis()));
    }
    return Optional.empty();
  }

  /** The payload kept for this row by an earlier poll, if it is among the most recently quarantined. */
  private Optional<QuarantinedPayload> keptBefore(String origin, byte[] payload) {
    // the quarantine keeps at most the codec's body limit of a payload (a row's JSON may be longer): compare that
    byte[] kept = payload.length > codec.maxBodyBytes() ? Arrays.copyOf(payload, codec.maxBodyBytes()) : payload;
    return router.quarantined(KEPT_LOOKBACK).stream()
        .filter(q -> q.origin().equals(origin) && Arrays.equals(q.payload(), kept)).findFirst();
  }

  /** A diagnosis ({@code "<where>: <what>"}) as the problem a {@link MalformedRow} reports. */
  private static List<Problem> problems(Diagnosis d) {
    int colon = d.message().indexOf(": ");
    return List.of(colon < 0 ? new Problem("row", d.message(), d.remediation())
        : new Problem(d.message().substring(0, colon), d.message().substring(colon + 2), d.remediation()));
  }

  private static String printable(String key) {
    return key.replaceAll("\\p{Cntrl}", "?");
  }

  /**
   * The first rows not taken yet, newer than the checkpoint (and older than the settle delay), in timestamp then key
   * order: at most {@code maxRowsPerPoll} of them and at most {@code maxBytesPerPoll} (at least one row, whatever its
   * size). The service answers in key order, page by page: only those rows are kept while the pages go by. A page is
   * asked for as many rows as the last pages held (up to the service's 1,000) and its answer is read up to a quarter of
   * {@code maxBytesPerPoll} ({@link #maxAnswerBytes}); a longer one is asked again, same place, for a quarter of the
   * rows, down to one. So a poll holds the rows it takes and one page of at most that answer, however many rows the
   * table has and however large they are, and a backlog of small rows costs one query per 1,000 of them (before, a
   * page was always one row per MiB of {@code maxBytesPerPoll}: 313 queries for 10,000 rows). A row left out, and
   * every row after it in timestamp order, waits for a later poll: the checkpoint never moves past a row not taken.
   */
  private List<TableEntity> newRows() {
    String filter = "Timestamp ge datetime'" + ODATA_TIME.format(checkpoint.timestamp()) + "'"
        + " and Timestamp lt datetime'" + ODATA_TIME.format(clock.instant().minus(settleDelay)) + "'";
    PriorityQueue<TableEntity> first = new PriorityQueue<>(ROW_ORDER.reversed()); // the latest kept at its head
    Map<TableEntity, Long> weight = new java.util.IdentityHashMap<>();
    long held = 0;
    TableEntity leftOut = null; // the earliest row left out: it and every row after it wait for a later poll
    Instant settledBefore = null;
    String next = null; // the continuation of the page to read, null for the first
    java.util.Set<String> continuations = new java.util.HashSet<>();
    while (true) {
      ListEntitiesOptions options = new ListEntitiesOptions().setFilter(filter).setTop(pageRows);
      PagedResponse<TableEntity> page;
      try {
        var pages = table.listEntities(options, requestTimeout, Context.NONE);
        page = (next == null ? pages.iterableByPage() : pages.iterableByPage(next)).iterator().next();
      } catch (RuntimeException e) {
        if (pageRows > 1 && AnswerTooLongException.in(e)) {
          pageRows = Math.max(1, pageRows / 4); // rows larger than the last pages': the same page, fewer rows
          continue;
        }
        throw e;
      }
      if (settledBefore == null) {
        // the settle delay counted on the service's clock too, which gave the rows their Timestamps: on this host's
        // alone, a host ahead of the service by more than the delay took rows still committing elsewhere, moved the
        // checkpoint past them, and a row committed late with an earlier Timestamp was passed over for good
        settledBefore = serviceTime(page).map(t -> t.minus(settleDelay)).orElse(Instant.MAX);
      }
      long pageBytes = 0;
      for (TableEntity row : page.getValue()) {
        long bytes = EntityLimits.entityBytes(row.getProperties());
        pageBytes += bytes;
        Instant ts = row.getTimestamp().toInstant();
        if (!ts.isBefore(settledBefore)
            || checkpoint.covers(ts, PollerCheckpoint.key(row.getPartitionKey(), row.getRowKey()))
            || (leftOut != null && ROW_ORDER.compare(row, leftOut) >= 0)) {
          continue;
        }
        first.add(row);
        weight.put(row, bytes);
        held += bytes;
        while (first.size() > maxRowsPerPoll || (held > maxBytesPerPoll && first.size() > 1)) {
          TableEntity out = first.poll();
          held -= weight.remove(out);
          leftOut = leftOut == null || ROW_ORDER.compare(out, leftOut) < 0 ? out : leftOut;
        }
      }
      if (page.getValue().size() >= pageRows && pageRows < SERVICE_PAGE_ROWS
          && pageBytes * 2 * MAX_JSON_PER_SERVICE_BYTE <= maxAnswerBytes(maxBytesPerPoll)) {
        pageRows = Math.min(SERVICE_PAGE_ROWS, pageRows * 2); // rows smaller again: twice as many fit the answer
      }
      next = page.getContinuationToken();
      if (next == null) {
        break;
      }
      if (!continuations.add(next)) { // no progress: read on, the poll would never end
        throw new IllegalStateException("the service answered a page with a continuation it had answered before in "
            + "this poll (" + safe(next) + "): its rows would be read again without end, so no row of this poll is "
            + "taken. Fix: the endpoint is not the Table service, or something between alters its answers");
      }
    }
    List<TableEntity> rows = new ArrayList<>(first);
    rows.sort(ROW_ORDER);
    return rows;
  }

  /**
   * The longest answer to one page of the poller's query that is read: a quarter of {@code maxBytesPerPoll}, since a
   * page's rows are held twice over while the SDK reads them (its bytes, then their values), besides the rows taken;
   * at least what the service sends for one row of the largest size (1 MiB as it counts it, UTF-16, is at most 4 MiB
   * of JSON: escapes, type annotations), plus a MiB for the rest. A longer answer to a page of one row fails the poll.
   */
  static long maxAnswerBytes(long maxBytesPerPoll) {
    return Math.max(5 * EntityLimits.MAX_ENTITY_BYTES, maxBytesPerPoll / 4);
  }

  /**
   * The service's clock when it answered: its {@code Date} header, in whole seconds, so never later than the service's
   * own time; empty when it sent none that can be read.
   */
  private static Optional<Instant> serviceTime(PagedResponse<?> page) {
    String date = page.getHeaders() == null ? null : page.getHeaders().getValue(HttpHeaderName.DATE);
    if (date == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(DateTimeFormatter.RFC_1123_DATE_TIME.parse(date.strip(), Instant::from));
    } catch (java.time.DateTimeException e) {
      return Optional.empty();
    }
  }

  /** The row's columns without the SDK's OData annotations (which are no lead attributes). */
  private static Map<String, Object> columns(TableEntity row) {
    Map<String, Object> columns = new TreeMap<>();
    row.getProperties().forEach((k, v) -> {
      if (!k.startsWith("odata.") && !k.contains("@odata.")) {
        columns.put(k, v);
      }
    });
    return columns;
  }

  private void report(TableEntity row, Instant ts, List<Problem> problems) {
    LOG.warn("skipped malformed lead row {} (partition {}, timestamp {}) of table {}: invalid {}; reported once, "
            + "the poller moves on", safe(row.getRowKey()), safe(row.getPartitionKey()), ts, tableName,
        problems.stream().map(Problem::path).distinct().collect(Collectors.joining(", ")));
    try {
      listener.onMalformedRow(new MalformedRow(row.getPartitionKey(), row.getRowKey(), ts, problems));
    } catch (RuntimeException | Error e) {
      LOG.warn("the malformed-row listener failed for row {}: {}", safe(row.getRowKey()), e.toString());
    }
  }

  /**
   * A PartitionKey or RowKey as a log line may show it: a RowKey is the lead's id, which a sender may make of the
   * customer's e-mail or phone, so it is masked as {@link Pii#maskLeadId} masks an id; control characters become
   * {@code ?} and a long key is cut.
   */
  private static String safe(String key) {
    String s = Pii.maskLeadId(key).replaceAll("\\p{Cntrl}", "?");
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /** The table polled. */
  String tableName() {
    return tableName;
  }

  /** The checkpoint reached so far (loaded from the store at the first poll), if any poll ran. */
  public synchronized Optional<PollerCheckpoint> checkpoint() {
    return Optional.ofNullable(checkpoint);
  }

  /** Starts polling every {@code pollInterval} on a daemon thread, the first poll at once. No-op when running. */
  public synchronized void start() {
    if (scheduler != null) {
      return;
    }
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "azuretable-poller-" + tableName);
      t.setDaemon(true);
      return t;
    });
    // the next poll is a delayed task: stop() drops it rather than waiting for it (or running it after the stop)
    s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    scheduler = s;
    s.schedule(() -> pollScheduled(s), 0, TimeUnit.MILLISECONDS);
  }

  /** One poll of {@link #start()}'s, then the next on the same executor: after the interval, or the wait asked. */
  private void pollScheduled(ScheduledExecutorService s) {
    try {
      pollOnce();
    } catch (RuntimeException | Error e) { // thrown out of a scheduled task, it would end the polling silently
      LOG.error("polling table {} failed with {}; the poller polls again in {}", tableName, e.getClass().getName(),
          interval, e);
    } finally {
      try {
        s.schedule(() -> pollScheduled(s), nextDelay().toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException stopped) {
        // stop() shut this executor down: polling ends here
      }
    }
  }

  /** The delay to the next scheduled poll: the interval, or longer while the service asked to wait (Retry-After). */
  private synchronized Duration nextDelay() {
    Duration asked = Duration.between(clock.instant(), throttledUntil);
    return asked.compareTo(interval) > 0 ? asked : interval;
  }

  /** Whether {@link #start()} is in effect. */
  public synchronized boolean isRunning() {
    return scheduler != null;
  }

  /**
   * Stops polling and waits (at most the request timeout plus 5 s) for a poll in progress to finish. The poller can
   * be started again.
   */
  public void stop() {
    ScheduledExecutorService s;
    synchronized (this) {
      s = scheduler;
      scheduler = null;
    }
    if (s == null) {
      return;
    }
    s.shutdown();
    try {
      if (!s.awaitTermination(requestTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
        s.shutdownNow();
        LOG.warn("the poll of table {} did not finish in time and was interrupted", tableName);
      }
    } catch (InterruptedException e) {
      s.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops polling. */
  @Override
  public void close() {
    stop();
  }

  @Override
  public String toString() {
    return "AzureTableLeadPoller[table=" + tableName + ", every " + interval + ", checkpoint in " + store + "]";
  }

  /** Builds an {@link AzureTableLeadPoller}. */
  public static final class Builder extends TableAccessBuilder<Builder> {
    private String name;
    private LeadTarget target;
    private LeadRouter router;
    private CheckpointStore store;
    private MalformedRowListener listener = row -> { };
    private Duration interval = Duration.ofSeconds(30);
    private Duration settleDelay = Duration.ofSeconds(5);
    private boolean settleDelayChecked = true;
    private int maxRowsPerPoll = 1000;
    private long maxBytesPerPoll = DEFAULT_MAX_BYTES_PER_POLL;

    private Builder() {}

    @Override
    Builder self() {
      return this;
    }

    /** The poller's name, keying its checkpoint in the default store; the table name by default. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Where leads go, e.g. {@code router::route} (required). */
    public Builder target(LeadTarget target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /**
     * Takes rows in through {@code router} as {@code serve} takes posts (instead of a {@link #target}): each lead is
     * routed, and a row that cannot be read unambiguously (or a lead no route takes, or another lead under an id
     * already accepted) is kept once in the router journal's quarantine with its diagnosis, found with
     * {@code leadrouter inspect quarantine} and read again by {@link LeadRouter#replayQuarantined}, besides being
     * reported to the {@link #onMalformedRow listener}. Give a target or a router, not both.
     */
    public Builder router(LeadRouter router) {
      this.router = Objects.requireNonNull(router, "router");
      return this;
    }

    /** Where the checkpoint is kept; a {@link TableCheckpointStore} in the same account by default. */
    public Builder checkpointStore(CheckpointStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** Told about each malformed row; by default only the log is. */
    public Builder onMalformedRow(MalformedRowListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The delay between polls, from 1 s to 1 h; 30 s by default. */
    public Builder pollInterval(Duration interval) {
      this.interval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Rows younger than this are left for the next poll, so a write still committing elsewhere with an earlier
     * timestamp is not passed over ({@link #MIN_SETTLE_DELAY 1 s} to 5 min; less is refused); 5 s by default. Counted
     * on this host's clock and on the service's (the {@code Date} of its answer), so a host clock ahead of the
     * service's does not shorten it.
     */
    public Builder settleDelay(Duration delay) {
      this.settleDelay = Objects.requireNonNull(delay, "delay");
      this.settleDelayChecked = true;
      return this;
    }

    /**
     * The settle delay without its {@link #MIN_SETTLE_DELAY minimum}, not API: for this module's tests against
     * Azurite, one process on this host whose rows are visible once written, so that they do not wait a second per
     * poll. Against the service, less than the minimum passes rows over.
     */
    Builder settleDelayBelowMinimum(Duration delay) {
      this.settleDelay = Objects.requireNonNull(delay, "delay");
      this.settleDelayChecked = delay.isNegative();
      return this;
    }

    /** Most rows taken per poll (the rest at the next); 1,000 by default. */
    public Builder maxRowsPerPoll(int rows) {
      this.maxRowsPerPoll = rows;
      return this;
    }

    /**
     * Most bytes of rows taken per poll, as the service counts them (strings in UTF-16; an entity is at most 1 MiB),
     * the rest at the next, in timestamp order (never skipped); at least one row is taken whatever its size. A page
     * of the service's answer is read up to a quarter of it (at least 5 MiB, one row of the largest size), asking for
     * fewer rows a page when rows are large. 32 MiB by default, at least 1 MiB.
     */
    public Builder maxBytesPerPoll(long bytes) {
      this.maxBytesPerPoll = bytes;
      return this;
    }

    /** Builds the poller (not started). */
    public AzureTableLeadPoller build() {
      List<Problem> problems = new ArrayList<>();
      if (account == null) {
        problems.add(new Problem("account", "is required", "give the storage account (AzureTableAccount)"));
      } else {
        AzureTableConfig.addEndpointProblems(problems, account);
      }
      if (target == null && router == null) {
        problems.add(new Problem("target", "is required", "give where leads go, e.g. router::route"));
      } else if (target != null && router != null) {
        problems.add(new Problem("target", "is given with a router", "give a target or a router, not both"));
      }
      if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
        problems.add(new Problem("pollInterval", interval + " is out of range",
            "use " + MIN_INTERVAL + " to " + MAX_INTERVAL));
      }
      if (settleDelayChecked && settleDelay.compareTo(MIN_SETTLE_DELAY) < 0) {
        problems.add(new Problem("settleDelay", settleDelay + " is below the minimum of " + MIN_SETTLE_DELAY,
            "use " + MIN_SETTLE_DELAY + " to " + MAX_SETTLE_DELAY + ": a row still committing with an earlier "
                + "Timestamp than the rows taken would be passed over for good"));
      } else if (settleDelay.compareTo(MAX_SETTLE_DELAY) > 0) {
        problems.add(new Problem("settleDelay", settleDelay + " is out of range",
            "use " + MIN_SETTLE_DELAY + " to " + MAX_SETTLE_DELAY));
      }
      if (maxRowsPerPoll < 1) {
        problems.add(new Problem("maxRowsPerPoll", maxRowsPerPoll + " is out of range", "use 1 or more"));
      }
      if (maxBytesPerPoll < MIN_MAX_BYTES_PER_POLL) {
        problems.add(new Problem("maxBytesPerPoll", maxBytesPerPoll + " is below the minimum of "
            + MIN_MAX_BYTES_PER_POLL + " bytes", "use 1 MiB, the largest entity the service stores, or more"));
      }
      addTableProblems(problems); // the table and request settings are the sink's too: checked alike
      if (!problems.isEmpty()) {
        throw new ConfigurationException(problems);
      }
      if (name == null) {
        name = tableName;
      }
      return new AzureTableLeadPoller(this);
    }
  }
}
