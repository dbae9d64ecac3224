package io.leadrouter;

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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Routes marketplace leads to their destinations, durably. {@link #route(Lead)} validates the lead, chooses its
 * destinations by the routing rules, records it in the journal and returns once it is durable; each destination's
 * worker then delivers it, retrying transient failures on a schedule kept in the journal, parking a destination whose
 * quota is spent, and dead-lettering what cannot succeed with a {@link Diagnosis}. No accepted lead is lost; sinks
 * upsert by {@link LeadId}, so none is delivered twice. Thread-safe; close it to stop.
 */
public final class LeadRouter implements AutoCloseable {

  /** The running parts (journal, workers, chores, clock) and their start and stop. */
  private final RouterLifecycle life;
  private final Admission admission;
  private final Intake intake;
  private final LeadExplainer explainer;
  private final OperatorDesk desk;

  /** Opens the builder's journal and starts delivering to {@code sinks} (already created and checked). */
  LeadRouter(LeadRouterBuilder b, Map<String, LeadSink> sinks) {
    this.explainer = b.explainer(sinks, false);
    this.life = new RouterLifecycle(b, sinks);
    this.admission = life.admission;
    this.intake = new Intake(life.routes, admission, admission::route, life.journal, life.clock);
    this.desk = new OperatorDesk(life, intake);
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
    return admission.route(lead);
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
    return admission.route(lead, connection);
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
    return desk.quarantined(limit);
  }

  /** How many payloads are in quarantine. */
  public long quarantineCount() {
    return desk.quarantineCount();
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
    return desk.replayQuarantined(limit, page);
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
    return desk.erase(person);
  }

  /** Erasure receipts, most recent first, at most {@code limit}: no personal data, only what was removed where. */
  public List<ErasureReceipt> erasures(int limit) {
    return desk.erasures(limit);
  }

  /** The names of the destinations. */
  public Set<String> destinations() {
    return life.sinks.keySet();
  }

  /**
   * The destination's circuit breaker and parking right now, for health checks.
   *
   * @throws IllegalArgumentException if no destination has that name
   */
  public DestinationStatus status(String destination) {
    return desk.status(destination);
  }

  /** Runs every sink's publish check. */
  public Map<String, VerificationReport> verify() {
    return desk.verify();
  }

  /** Dead letters matching the query (e.g. {@code DeliveryQuery.deadLetters().destination("crm")}). */
  public List<DeliveryRecord> deadLetters(DeliveryQuery query) {
    return desk.deadLetters(query);
  }

  /**
   * Moves matching dead letters back to pending, to be delivered now; returns how many. Dead letters whose outcome is
   * unknown (codes ending {@code _OUTCOME_UNKNOWN}: an answer was lost after they were sent, and their destination
   * can neither be asked nor deduplicate) stay dead unless the query names their code
   * ({@code DeliveryQuery.deadLetters().diagnosisCode("SALESFORCE_WEB_TO_LEAD_OUTCOME_UNKNOWN")}): look for them at
   * the destination first, or they may be delivered twice.
   */
  public int replay(DeliveryQuery query) {
    return desk.replay(query);
  }

  /** How many deliveries each destination has in each state. */
  public Map<String, Map<DeliveryState, Long>> counts() {
    return desk.counts();
  }

  /** The journal, for inspection. */
  public LeadJournal journal() {
    return life.journal;
  }

  /**
   * Whether {@link #close()} has begun: the router routes nothing more, and what it would report of its journal
   * (counts, statuses) may no longer be readable. For gauges and health checks, which outlive a router in a registry.
   */
  public boolean isClosed() {
    return admission.closed();
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
    life.close(timeout);
  }
}
