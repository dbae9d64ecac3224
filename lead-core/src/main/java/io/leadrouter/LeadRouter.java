package io.leadrouter;

import io.leadrouter.internal.DestinationWorkers;
import io.leadrouter.internal.JournalMaintenance;
import io.leadrouter.internal.Tracing;
import io.leadrouter.internal.intake.LeadNormalizer;
import io.leadrouter.spi.Require;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.QuarantinedPayload;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.VerificationReport;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Routes marketplace leads to their destinations, durably. {@link #route(Lead)} validates the lead, chooses its
 * destinations by the routing rules, records it in the journal and returns once it is durable; each destination's
 * worker then delivers it, retrying transient failures on a schedule kept in the journal, parking a destination whose
 * quota is spent, and dead-lettering what cannot succeed with a {@link Diagnosis}. No accepted lead is lost; sinks
 * upsert by {@link LeadId}, so none is delivered twice. Thread-safe; close it to stop.
 */
public final class LeadRouter implements AutoCloseable {

  private final LeadJournal journal;
  private final Map<String, LeadSink> sinks;
  private final Clock clock;
  private final Duration lease;
  private final Tracing tracing;
  private final DestinationWorkers workers;
  private final ReceiptBook receipts;
  private final Admission admission;
  private final Intake intake;
  private final JournalMaintenance maintenance;
  private final LeadExplainer explainer;
  /** Open until the close's last step (the journal closed): a second close() waits for it. */
  private final CountDownLatch closeDone = new CountDownLatch(1);
  /** The thread running the close's steps, once one does: a close() it calls (a sink's) does not wait for itself. */
  private volatile Thread closer;

  /** The clock's jumps, written to the journal for the next start; null for a journal shared by routers. */
  private final io.leadrouter.internal.ClockJumps clockJumps;

  /** Opens the builder's journal and starts delivering to {@code sinks} (already created and checked). */
  LeadRouter(LeadRouterBuilder b, Map<String, LeadSink> sinks) {
    this.journal = b.openJournal();
    JournalClaims.claim(journal); // one router per journal instance: a second would deliver the same backlog
    try {
      this.sinks = Collections.unmodifiableMap(sinks);
      // a journal this router owns alone: its own clock never goes back (SteadyClock); routers sharing a journal on
      // several hosts must agree on leases, so each reads its host's (NTP-synchronised) wall clock as it is
      this.clock = b.clock != null ? b.clock
          : journal.sharedByRouters() ? Clock.systemUTC() : io.leadrouter.internal.SteadyClock.system();
      this.lease = b.lease;
      this.tracing = new Tracing(b.tracer);
      this.receipts = new ReceiptBook(journal, b.listeners, b.heldReceipts, b.receiptCheck);
      // the ages policies count (giveUpAfter, fallbackAfter) in the time that passed while a router ran: the clock's
      // jumps are measured against its elapsed time (a SteadyClock's own, an application's clock's ElapsedTime, else
      // System.nanoTime); the application's clock was taken as it was, so its jumps aged every lead
      io.leadrouter.internal.ClockJumps jumps = clock instanceof io.leadrouter.internal.SteadyClock steady
          ? io.leadrouter.internal.ClockJumps.of(clock, steady.elapsed())
          : clock instanceof ElapsedTime elapsed ? io.leadrouter.internal.ClockJumps.of(clock, elapsed::elapsedNanos)
          : io.leadrouter.internal.ClockJumps.of(clock, System::nanoTime);
      // and across restarts, on a journal this router owns alone: the time it was stopped does not count either
      // (routers sharing a journal read their hosts' wall clocks as they are: one router's stop is not the others')
      boolean keepsClock = !journal.sharedByRouters();
      if (keepsClock) {
        try {
          jumps.restore(journal);
        } catch (RuntimeException e) { // the ages then count as the wall clock says; the router still starts
          org.slf4j.LoggerFactory.getLogger(LeadRouter.class).warn("reading the router's clock record from the"
              + " journal failed (ages count the time it was stopped): {}", e.toString());
        }
      }
      this.clockJumps = keepsClock ? jumps : null;
      this.workers = new DestinationWorkers(sinks, b.policies, journal, clock, lease, receipts, tracing,
          b.listenerBacklog, jumps);
      RouteTable routes = new RouteTable(b.rules, b.defaultRoute);
      this.admission = new Admission(routes, receipts, workers, clock);
      this.intake = new Intake(routes, admission, this::route, journal, clock);
      this.explainer = b.explainer(sinks, false);
      this.maintenance = new JournalMaintenance(journal, clock, lease, b.retention, b.receiptCheck,
          receipts::settleStale, workers::wakeAll, jumps);
      maintenance.deliveryChores(b.policies, b.fallbackCheck,
          event -> workers.threads().tellListeners(() -> receipts.emit(event)), workers::wake);
      if (keepsClock) {
        maintenance.every(io.leadrouter.internal.ClockJumps.PERSIST_EVERY, this::persistClock);
        persistClock();
      }
      workers.start();
    } catch (RuntimeException | Error e) {
      JournalClaims.release(journal);
      throw e;
    }
  }

  /**
   * Builds and starts a router from a descriptor file ({@code leadrouter.yaml} or {@code .json}), discovering sink
   * providers on the class path.
   *
   * @throws ConfigurationException listing every problem of the descriptor and of each sink's settings
   */
  public static LeadRouter fromDescriptor(Path file) {
    RouterDescriptor descriptor = RouterDescriptor.load(file);
    try {
      return builder(descriptor).build();
    } catch (ConfigurationException e) {
      throw e.in(file.toString()); // a sink's settings, checked at build: still the file's
    }
  }

  /**
   * A builder preset from a descriptor: its journal, sinks (providers discovered with the context class loader),
   * delivery policies, routes and default route. Add listeners or override parts before {@code build()}.
   */
  public static LeadRouterBuilder builder(RouterDescriptor descriptor) {
    return LeadRouterBuilder.from(descriptor);
  }

  /** A builder: add sinks (or providers and configs), routing rules, and optionally a journal. */
  public static LeadRouterBuilder builder() {
    return new LeadRouterBuilder();
  }

  /**
   * Normalises, routes and durably records a lead; returns once it is committed. A lead is never refused for its
   * content: a country spelled otherwise is set to ISO alpha-2, an odd e-mail or source is kept and
   * {@link Lead#flags() flagged}; whether a destination can take a value is decided at its delivery. Routing a lead
   * id already accepted records nothing new and returns a receipt for the existing deliveries
   * ({@link RoutingReceipt#duplicate()}).
   *
   * <p>A caller interrupted while waiting for the commit either gets the receipt (the lead was already being
   * written; the interrupt stays set) or a {@link LeadRouterException} saying the lead was not accepted.
   *
   * @throws LeadRouterException if no rule and no default route matches, or the router is closed
   */
  public RoutingReceipt route(Lead lead) {
    Objects.requireNonNull(lead, "lead");
    LeadTracer.RouteTrace trace = tracing.startRoute(lead);
    try {
      Lead normalized = LeadNormalizer.normalize(lead);
      // the trace context is stored with the lead: its deliveries, however late, join the caller's trace
      RoutingReceipt receipt = admission.admit(normalized, true, (destinations, claimFor) ->
          journal.accept(normalized, destinations, clock.instant(), trace.traceContext(), claimFor, lease));
      trace.accepted(List.copyOf(receipt.deliveries().keySet()), receipt.duplicate());
      return receipt;
    } catch (RuntimeException e) {
      trace.failed(e);
      throw e;
    } finally {
      trace.close();
    }
  }

  /**
   * Normalises and routes a lead inside the caller's own JDBC transaction (a transactional outbox): the lead and its
   * deliveries are written on {@code connection} and nothing is committed here, so the lead is routed if and only if
   * the caller commits. Workers pick it up after the commit (within about two seconds). The receipt completes once
   * this router delivers it; it never completes if the caller rolls back. Needs a journal in the caller's database
   * (PostgreSQL).
   *
   * @throws LeadRouterException if the journal cannot write in the caller's transaction, no route matches, or the
   *     router is closed
   */
  public RoutingReceipt route(Lead lead, Connection connection) {
    Objects.requireNonNull(lead, "lead");
    Objects.requireNonNull(connection, "connection");
    Lead normalized = LeadNormalizer.normalize(lead);
    return admission.admit(normalized, false, (destinations, claimFor) ->
        journal.acceptInTransaction(connection, normalized, destinations, clock.instant()));
  }

  /**
   * Takes in a marketplace payload as received (an HTTPS body, one NDJSON line) and keeps it, whatever it holds: read
   * strictly by {@link MarketplaceCodec}, it is routed as a lead (normalised, flagged) or, when it cannot be read
   * unambiguously or no route takes it, quarantined in the journal with a {@link Diagnosis}. Returns once either is
   * durable.
   *
   * @param payload the bytes exactly as received
   * @param origin where they came from, shown to operators (e.g. {@code route leads.ndjson line 4})
   * @throws LeadRouterException if the router is closed or the journal cannot write (nothing is kept then)
   */
  public IntakeReceipt intake(byte[] payload, String origin) {
    Objects.requireNonNull(payload, "payload");
    return intake(Intake.CODEC.read(payload), payload, origin);
  }

  /**
   * Takes in a payload the caller already read (say with a webhook id or an NDJSON line number): routes the lead, or
   * quarantines {@code payload} with the diagnosis; see {@link #intake(byte[], String)}.
   */
  public IntakeReceipt intake(ReadResult read, byte[] payload, String origin) {
    Objects.requireNonNull(read, "read");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(origin, "origin");
    return intake.intake(read, payload, origin);
  }

  /** Payloads in quarantine, most recent first, at most {@code limit}. */
  public List<QuarantinedPayload> quarantined(int limit) {
    checkReadable();
    return journal.quarantined(limit);
  }

  /** How many payloads are in quarantine. */
  public long quarantineCount() {
    checkReadable();
    return journal.quarantineCount();
  }

  /**
   * What reading the quarantine again did.
   *
   * @param routed payloads now read as leads and routed (and so released from quarantine)
   * @param stillQuarantined payloads still unreadable or without a route (their diagnosis is updated)
   */
  public record QuarantineReplay(int routed, int stillQuarantined) {}

  /**
   * Reads quarantined payloads again, the oldest first, at most {@code limit} (after an upgrade, or once a route
   * exists): those now readable are routed and released, the others stay with their new diagnosis. The quarantine is
   * read page by page, so memory holds one page however many payloads it keeps. A payload is routed before it is
   * released, so a crash in between routes it again as a duplicate (the same lead id), never loses it.
   */
  public QuarantineReplay replayQuarantined(int limit) {
    return replayQuarantined(limit, Intake.REPLAY_PAGE);
  }

  /** Reads every quarantined payload again, as {@link #replayQuarantined(int)} does, however many there are. */
  public QuarantineReplay replayQuarantined() {
    return replayQuarantined(Integer.MAX_VALUE);
  }

  /** {@link #replayQuarantined(int)} reading {@code page} payloads at a time (tests page through a few). */
  QuarantineReplay replayQuarantined(int limit, int page) {
    checkOpen("nothing was replayed: replay the quarantine through an open router");
    return intake.replay(limit, Require.atLeast(page, 1, "page"));
  }

  /**
   * Routes a lead and waits until every destination has it.
   *
   * @return each destination's result
   * @throws LeadDeliveryException if a destination dead-lettered it
   * @throws LeadRouterException if the timeout passes first (the lead stays accepted and will still be delivered)
   */
  public Map<String, DeliveryResult> routeAndWait(Lead lead, Duration timeout) {
    // checked first: a null timeout failed after the lead was accepted, and the caller took it as refused
    Objects.requireNonNull(timeout, "timeout");
    return route(lead).await(timeout);
  }

  /** The destinations a lead would go to: every matching rule's sinks, else the default route. */
  public List<String> destinationsFor(Lead lead) {
    return admission.destinationsFor(lead);
  }

  /**
   * The dry run of {@link #route(Lead)}: for each destination the rules pick, the exact request its sink would send
   * (credentials redacted, the customer's personal data masked), which rule chose it, what is odd about the lead and
   * which checks would fail. Nothing is sent and nothing is journaled.
   */
  public Explanation explain(Lead lead) {
    return explainer.explain(lead, false);
  }

  /** Like {@link #explain(Lead)}; {@code showPii} shows the customer's e-mail, phone and name unmasked. */
  public Explanation explain(Lead lead, boolean showPii) {
    return explainer.explain(lead, showPii);
  }

  /** Erases a person (GDPR/CCPA) from the journal and the sinks' own copies: {@link LeadEraser#erase(Person)}. */
  public ErasureReceipt erase(Person person) {
    checkOpen("nothing was erased: erase through an open router, or with an eraser (LeadRouter.builder(descriptor)"
        + ".buildEraser(), the 'leadrouter erase' command) once this one has stopped");
    return LeadEraser.erase(person, journal, sinks, workers.all(), clock, receipts::erased);
  }

  /** Erasure receipts, most recent first, at most {@code limit}: no personal data, only what was removed where. */
  public List<ErasureReceipt> erasures(int limit) {
    checkReadable();
    return journal.erasures(limit);
  }

  /** The names of the destinations. */
  public Set<String> destinations() {
    return sinks.keySet();
  }

  /**
   * The destination's circuit breaker and parking right now, for health checks.
   *
   * @throws IllegalArgumentException if no destination has that name
   */
  public DestinationStatus status(String destination) {
    checkReadable();
    return new DestinationStatus(destination, DestinationStatus.Breaker.of(workers.get(destination).breakerState()),
        journal.parkedUntil(destination, clock.instant()));
  }

  /** Runs every sink's publish check. */
  public Map<String, VerificationReport> verify() {
    Map<String, VerificationReport> out = new LinkedHashMap<>();
    // a plugin whose verify() throws fails its own report, not the others' (SinkCalls)
    sinks.forEach((name, sink) -> out.put(name, io.leadrouter.internal.SinkCalls.verify(name, sink)));
    return out;
  }

  /** Dead letters matching the query (e.g. {@code DeliveryQuery.deadLetters().destination("crm")}). */
  public List<DeliveryRecord> deadLetters(DeliveryQuery query) {
    checkReadable();
    return journal.list(query);
  }

  /**
   * Moves matching dead letters back to pending, to be delivered now; returns how many. Dead letters whose outcome is
   * unknown (codes ending {@code _OUTCOME_UNKNOWN}: an answer was lost after they were sent, and their destination
   * can neither be asked nor deduplicate) stay dead unless the query names their code
   * ({@code DeliveryQuery.deadLetters().diagnosisCode("SALESFORCE_WEB_TO_LEAD_OUTCOME_UNKNOWN")}): look for them at
   * the destination first, or they may be delivered twice.
   */
  public int replay(DeliveryQuery query) {
    checkOpen("nothing was replayed: replay the dead letters through an open router");
    int n = journal.replay(query, clock.instant());
    query.destination().ifPresentOrElse(workers::wake, workers::wakeAll);
    return n;
  }

  /** How many deliveries each destination has in each state. */
  public Map<String, Map<DeliveryState, Long>> counts() {
    checkReadable();
    return journal.counts();
  }

  /** The journal, for inspection. */
  public LeadJournal journal() {
    return journal;
  }

  /**
   * Whether {@link #close()} has begun: the router routes nothing more, and what it would report of its journal
   * (counts, statuses) may no longer be readable. For gauges and health checks, which outlive a router in a registry.
   */
  public boolean isClosed() {
    return admission.closed();
  }

  /**
   * @throws LeadRouterException once the router is closed, saying {@code what} of the call did not happen (its
   *     journal's own error read "a lead routed in this call was not accepted: route it again" for an erasure too)
   */
  private void checkOpen(String what) {
    if (admission.closed()) {
      throw new LeadRouterException("the router is closed: " + what);
    }
  }

  private void checkReadable() {
    checkOpen("its journal is no longer read through it (see isClosed()); open the journal again to look at it");
  }

  /** Stops within 30 seconds: see {@link #close(Duration)}. */
  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  /**
   * Stops routing, lets in-flight deliveries finish within {@code timeout}, closes sinks and the journal. Leads not
   * yet delivered stay in the journal and are delivered after the next start. {@code route()} calls already running
   * finish first (each returns its receipt or throws; none is failed by the journal closing under it); later calls
   * throw. Closing again does nothing more: a call while another close is under way (a listener's, a shutdown
   * hook's) waits up to its own {@code timeout} for that one to finish, so once it returns the journal file is
   * released and may be opened again. An interrupted caller still gets the whole graceful close, and keeps its
   * interrupt. A timeout of zero or less lets nothing finish; one of decades or more waits as long as it takes.
   *
   * <p>Called on one of the router's own threads (a {@link LeadListener} told of a delivery or a fallback spill, a
   * sink), it stops
   * routing at once and returns without waiting: the rest of the close, as above, runs on a thread of its own
   * ({@code leadrouter-close}), since it waits for the deliveries and events in progress, the caller's among them.
   */
  public void close(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    boolean ownThread = workers.threads().isOwnThread() || maintenance.isOwnThread();
    if (!admission.close()) {
      // closed already, or being closed: the application's close (a try-with-resources, a shutdown hook) returned
      // while a listener's close was still under way, and opening the journal again then found it held. Not waited
      // for where the close itself waits for the caller (a router thread, a route() under way, its own steps)
      if (!ownThread && !admission.admitting() && Thread.currentThread() != closer) {
        awaitClosed(timeout);
      }
      return;
    }
    if (ownThread) {
      // waiting here for the event being published (or the delivery running) would wait for this very thread, the
      // whole timeout; on the maintenance thread, stopping the chores would interrupt the close's own waits: the close
      // finishes on a thread of its own once the caller's work returns
      Thread closing = new Thread(() -> finishClose(timeout), "leadrouter-close");
      closing.start();
      return;
    }
    finishClose(timeout);
  }

  /** The close after the router stopped admitting: see {@link #close(Duration)}. */
  private void finishClose(Duration timeout) {
    // An interrupted caller (a cancelled task, an executor shut down now) still gets the whole graceful close: had
    // the waits below ended at once, deliveries still running would have been sent but never recorded, and sent
    // again after the next start. The interrupt is kept for the caller.
    closer = Thread.currentThread();
    boolean interrupted = Thread.interrupted();
    try {
      // saturated and capped (about 73 years): a timeout past Long.MAX_VALUE nanoseconds threw here, after the
      // router had stopped admitting, and left its workers, sinks and journal (and the file's lock) open for good
      long nanos = Math.min(Math.max(0, TimeUnit.NANOSECONDS.convert(timeout)), Long.MAX_VALUE / 4);
      long deadline = System.nanoTime() + nanos;
      // route() calls already past the open check finish first: each gets its receipt or its error, none waits on
      // a journal closed under it
      admission.awaitInFlight(Duration.ofNanos(nanos));
      maintenance.close();
      workers.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      persistClock(); // the time it was last seen running: the stop until the next start counts as no age
      LeadEraser.close(sinks, journal, deadline);
    } finally {
      JournalClaims.closed(journal);
      closeDone.countDown();
      if (interrupted || Thread.interrupted()) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Writes the clock's jumps and the time now to the journal (for the ages after the next start); a failure is told. */
  private void persistClock() {
    if (clockJumps == null) {
      return;
    }
    try {
      clockJumps.persist(journal);
    } catch (RuntimeException e) {
      if (!(e instanceof io.leadrouter.journal.JournalDamagedException)) { // said once by the journal
        org.slf4j.LoggerFactory.getLogger(LeadRouter.class).warn("recording the router's clock in the journal failed"
            + " (the ages after the next start may count the time it was stopped): {}", e.toString());
      }
    }
  }

  /** Waits up to {@code timeout} for the close under way to finish; an interrupt is kept, not obeyed (as a close). */
  private void awaitClosed(Duration timeout) {
    long nanos = Math.min(Math.max(0, TimeUnit.NANOSECONDS.convert(timeout)), Long.MAX_VALUE / 4);
    long deadline = System.nanoTime() + nanos;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          closeDone.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
