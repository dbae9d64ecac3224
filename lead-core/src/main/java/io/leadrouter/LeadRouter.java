package io.leadrouter;

import io.leadrouter.internal.DestinationWorker;
import io.leadrouter.internal.intake.LeadNormalizer;
import io.leadrouter.internal.SinkRegistry;
import io.leadrouter.internal.Tracing;
import io.leadrouter.journal.AcceptResult;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.JournalDamagedException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.spi.VerificationReport;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes marketplace leads to their destinations, durably. {@link #route(Lead)} validates the lead, chooses its
 * destinations by the routing rules, records it in the journal and returns once it is durable; each destination's
 * worker then delivers it, retrying transient failures on a schedule kept in the journal, parking a destination whose
 * quota is spent, and dead-lettering what cannot succeed with a {@link Diagnosis}. No accepted lead is lost; sinks
 * upsert by {@link LeadId}, so none is delivered twice. Thread-safe; close it to stop.
 */
public final class LeadRouter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeadRouter.class);

  private final LeadJournal journal;
  private final Map<String, LeadSink> sinks;
  private final Map<String, DestinationWorker> workers;
  private final List<RoutingRule> rules;
  private final List<String> defaultRoute;
  private final Clock clock;
  private final Duration retention;
  private final Duration lease;
  private final ReceiptBook receipts;
  private static final MarketplaceCodec INTAKE_CODEC = MarketplaceCodec.standard();
  private final Tracing tracing;
  private final ScheduledExecutorService maintenance;
  private final LeadExplainer explainer;
  private final Map<String, DeliveryPolicy> policies;
  private volatile boolean closed;

  private LeadRouter(Builder b, Map<String, LeadSink> sinks, Map<String, DeliveryPolicy> policies) {
    this.journal = b.journal != null ? b.journal
        : b.journalFactory != null ? b.journalFactory.get() : SqliteJournal.open(b.journalPath);
    this.sinks = Collections.unmodifiableMap(sinks);
    this.rules = List.copyOf(b.rules);
    this.defaultRoute = List.copyOf(b.defaultRoute);
    this.clock = b.clock;
    this.retention = b.retention;
    this.lease = b.lease;
    this.receipts = new ReceiptBook(journal, b.listeners, b.heldReceipts, b.receiptCheck);
    this.tracing = new Tracing(b.tracer);
    Map<String, DestinationWorker> w = new LinkedHashMap<>();
    sinks.forEach((name, sink) -> w.put(name, new DestinationWorker(name, sink, policies.get(name), journal, clock,
        b.lease, receipts, tracing)));
    this.workers = Collections.unmodifiableMap(w);
    this.policies = Map.copyOf(policies);
    this.explainer = b.explainer(sinks, false);
    this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "leadrouter-maintenance");
      t.setDaemon(true);
      return t;
    });
    long leaseCheck = Math.max(1, b.lease.toSeconds() / 2);
    maintenance.scheduleWithFixedDelay(this::reclaimLeases, leaseCheck, leaseCheck, TimeUnit.SECONDS);
    maintenance.scheduleWithFixedDelay(this::prune, 0, 1, TimeUnit.HOURS);
    long check = b.receiptCheck.toMillis();
    maintenance.scheduleWithFixedDelay(receipts::settleStale, check, check, TimeUnit.MILLISECONDS);
    if (this.policies.values().stream().anyMatch(p -> p.fallback().isPresent())) {
      long spill = b.fallbackCheck.toMillis();
      maintenance.scheduleWithFixedDelay(this::spillToFallbacks, spill, spill, TimeUnit.MILLISECONDS);
    }
    workers.values().forEach(DestinationWorker::start);
    // leads accepted by another router on a shared journal (or in a caller's transaction) wake their worker at once
    journal.subscribeDue(destination -> {
      DestinationWorker worker = workers.get(destination);
      if (worker != null) {
        worker.wake();
      }
    });
  }

  /**
   * Builds and starts a router from a descriptor file ({@code leadrouter.yaml} or {@code .json}), discovering sink
   * providers on the class path.
   *
   * @throws ConfigurationException listing every problem of the descriptor and of each sink's settings
   */
  public static LeadRouter fromDescriptor(Path file) {
    return builder(RouterDescriptor.load(file)).build();
  }

  /**
   * A builder preset from a descriptor: its journal, sinks (providers discovered with the context class loader),
   * delivery policies, routes and default route. Add listeners or override parts before {@code build()}.
   */
  public static Builder builder(RouterDescriptor descriptor) {
    Objects.requireNonNull(descriptor, "descriptor");
    Builder b = new Builder();
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    b.discoverProviders(cl != null ? cl : LeadRouter.class.getClassLoader());
    RouterDescriptor.JournalSettings j = descriptor.journal();
    if (RouterDescriptor.JournalSettings.SQLITE.equals(j.type())) {
      b.journalPath(j.path().orElse(Path.of(RouterDescriptor.JournalSettings.DEFAULT_FILE)));
    } else {
      b.journalFactory = j::open; // memory, or a journal module's type (postgresql)
    }
    b.retention(j.retention());
    descriptor.sinks().values().forEach(s -> b.addSink(s.config(), s.delivery()));
    descriptor.routes().forEach(b::route);
    b.defaultRoute(descriptor.defaultRoute().toArray(String[]::new));
    return b;
  }

  /** A builder: add sinks (or providers and configs), routing rules, and optionally a journal. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Normalises, routes and durably records a lead; returns once it is committed. A lead is never refused for its
   * content: a country spelled otherwise is set to ISO alpha-2, an odd e-mail or source is kept and
   * {@link Lead#flags() flagged}; whether a destination can take a value is decided at its delivery. Routing a lead
   * id already accepted records nothing new and returns a receipt for the existing deliveries
   * ({@link RoutingReceipt#duplicate()}).
   *
   * @throws LeadRouterException if no rule and no default route matches, or the router is closed
   */
  public RoutingReceipt route(Lead lead) {
    Objects.requireNonNull(lead, "lead");
    LeadTracer.RouteTrace trace = tracing.startRoute(lead);
    try {
      Lead normalized = LeadNormalizer.normalize(lead);
      // the trace context is stored with the lead: its deliveries, however late, join the caller's trace
      RoutingReceipt receipt = route(normalized, true, (destinations, claimFor) -> journal.accept(normalized,
          destinations, clock.instant(), trace.traceContext(), claimFor, lease));
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
   * this router delivers it; it never completes if the caller rolls back. Needs a journal in the caller's database (PostgreSQL).
   *
   * @throws LeadRouterException if the journal cannot write in the caller's transaction, no route matches, or the
   *     router is closed
   */
  public RoutingReceipt route(Lead lead, java.sql.Connection connection) {
    Objects.requireNonNull(lead, "lead");
    Objects.requireNonNull(connection, "connection");
    Lead normalized = LeadNormalizer.normalize(lead);
    return route(normalized, false, (destinations, claimFor) -> journal.acceptInTransaction(connection, normalized,
        destinations, clock.instant()));
  }

  /**
   * Chooses destinations and writes the lead; when {@code committed}, tells listeners and hands the fresh
   * deliveries to their workers in memory (those whose hand-off queue had room; the others wait in the journal).
   */
  private RoutingReceipt route(Lead lead, boolean committed,
      java.util.function.BiFunction<List<String>, Set<String>, AcceptResult> write) {
    if (closed) {
      throw new LeadRouterException("the router is closed: leads can no longer be routed through it");
    }
    List<String> destinations = destinationsFor(lead);
    // registered before the write: a worker may deliver the lead the moment the write commits
    ReceiptBook.Entry entry = receipts.register(lead.id(), destinations, committed);
    Set<String> reserved = new java.util.HashSet<>();
    if (committed) {
      for (String d : destinations) {
        if (workers.get(d).reserve()) {
          reserved.add(d);
        }
      }
    }
    AcceptResult accepted;
    try {
      accepted = write.apply(destinations, reserved);
    } catch (RuntimeException e) {
      reserved.forEach(d -> workers.get(d).unreserve());
      entry.abandoned();
      throw e;
    }
    if (accepted.duplicate()) {
      reserved.forEach(d -> workers.get(d).unreserve());
      return entry.duplicate(accepted.deliveries());
    }
    RoutingReceipt receipt = entry.accepted(clock.instant(), committed);
    if (committed) {
      for (ClaimedDelivery c : accepted.claimed()) {
        if (reserved.remove(c.destination())) {
          workers.get(c.destination()).handOff(c);
        }
      }
      for (String d : destinations) {
        if (reserved.remove(d)) {
          workers.get(d).unreserve(); // the journal claimed nothing for it
        }
        if (accepted.claimed().stream().noneMatch(c -> c.destination().equals(d))) {
          workers.get(d).wake();
        }
      }
    }
    return receipt;
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
    return intake(INTAKE_CODEC.read(payload), payload, origin);
  }

  /**
   * Takes in a payload the caller already read (say with a webhook id or an NDJSON line number): routes the lead, or
   * quarantines {@code payload} with the diagnosis; see {@link #intake(byte[], String)}.
   */
  public IntakeReceipt intake(ReadResult read, byte[] payload, String origin) {
    Objects.requireNonNull(read, "read");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(origin, "origin");
    if (closed) {
      throw new LeadRouterException("the router is closed: leads can no longer be routed through it");
    }
    Diagnosis why;
    if (read instanceof ReadResult.Readable r) {
      Lead lead = r.lead();
      if (!RoutingRule.destinations(rules, lead).isEmpty() || !defaultRoute.isEmpty()) {
        return new IntakeReceipt.Routed(lead, route(lead));
      }
      why = new Diagnosis("LEAD_NO_ROUTE", "lead " + lead.id() + " (source '" + lead.source().raw()
          + "') matches no routing rule and there is no default route", "add a rule or a default route, then "
          + "replay the quarantine");
    } else {
      why = ((ReadResult.Unreadable) read).diagnosis();
    }
    // bounded: a payload over the body limit is kept up to the limit, its diagnosis says how large it was
    byte[] kept = payload.length > INTAKE_CODEC.maxBodyBytes()
        ? java.util.Arrays.copyOf(payload, INTAKE_CODEC.maxBodyBytes()) : payload;
    long id = journal.quarantine(kept, origin, why, clock.instant());
    LOG.warn("payload from {} quarantined as {}: {}", origin, id, why.code());
    return new IntakeReceipt.Quarantined(id, why);
  }

  /** Payloads in quarantine, most recent first, at most {@code limit}. */
  public List<io.leadrouter.journal.QuarantinedPayload> quarantined(int limit) {
    return journal.quarantined(limit);
  }

  /** How many payloads are in quarantine. */
  public long quarantineCount() {
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
   * Reads quarantined payloads again, at most {@code limit} (after an upgrade, or once a route exists): those now
   * readable are routed and released, the others stay with their new diagnosis. A payload is routed before it is
   * released, so a crash in between routes it again as a duplicate (the same lead id), never loses it.
   */
  public QuarantineReplay replayQuarantined(int limit) {
    int routed = 0;
    int still = 0;
    for (io.leadrouter.journal.QuarantinedPayload q : journal.quarantined(limit)) {
      IntakeReceipt again = intakeAgain(q);
      if (again instanceof IntakeReceipt.Routed) {
        journal.releaseQuarantined(q.id());
        routed++;
      } else {
        still++;
      }
    }
    return new QuarantineReplay(routed, still);
  }

  private IntakeReceipt intakeAgain(io.leadrouter.journal.QuarantinedPayload q) {
    ReadResult read = INTAKE_CODEC.read(q.payload());
    if (read instanceof ReadResult.Readable r
        && (!RoutingRule.destinations(rules, r.lead()).isEmpty() || !defaultRoute.isEmpty())) {
      return new IntakeReceipt.Routed(r.lead(), route(r.lead()));
    }
    Diagnosis d = read instanceof ReadResult.Unreadable u ? u.diagnosis() : q.diagnosis();
    if (!d.equals(q.diagnosis())) {
      journal.rediagnose(q.id(), d);
    }
    return new IntakeReceipt.Quarantined(q.id(), d);
  }

  /**
   * Routes a lead and waits until every destination has it.
   *
   * @return each destination's result
   * @throws LeadDeliveryException if a destination dead-lettered it
   * @throws LeadRouterException if the timeout passes first (the lead stays accepted and will still be delivered)
   */
  public Map<String, DeliveryResult> routeAndWait(Lead lead, Duration timeout) {
    RoutingReceipt receipt = route(lead);
    try {
      return receipt.allDelivered().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof LeadRouterException lre) {
        throw lre;
      }
      throw new LeadRouterException("delivery of lead " + lead.id() + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new LeadRouterException("lead " + lead.id() + " is accepted but not yet delivered after " + timeout
          + "; it will still be delivered: check the destinations with inspect/verify");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LeadRouterException("interrupted while waiting for lead " + lead.id()
          + " (it is accepted and will still be delivered)");
    }
  }

  /** The destinations a lead would go to: every matching rule's sinks, else the default route. */
  public List<String> destinationsFor(Lead lead) {
    List<String> matched = RoutingRule.destinations(rules, lead);
    if (!matched.isEmpty()) {
      return matched;
    }
    if (!defaultRoute.isEmpty()) {
      return defaultRoute;
    }
    throw new LeadRouterException("no route for lead " + lead.id() + " (source '" + lead.source().raw()
        + "'): add a routing rule that matches it or a default route");
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

  /**
   * Erases a person (GDPR/CCPA): their deliveries are cancelled (pending ones never sent; ones this router's workers
   * hold are dropped), their leads and every delivery record of them (pending, delivered, parked, dead letters) and
   * the quarantined payloads holding their e-mail, phone or lead id are removed from the journal, physically on
   * SQLite ({@code secure_delete}, WAL checkpointed and truncated), and each sink's local copy is erased (the file
   * sink rewrites its file without their lines). The CRMs' own records are not LeadRouter's to erase: the receipt
   * lists those destinations and the erased lead ids to find them by. The receipt is kept without personal data
   * ({@link #erasures(int)}). A delivery already on the wire when the erasure starts may still reach its destination.
   *
   * @throws LeadRouterException if the journal cannot erase, or a sink's copy could not be erased (the journal's
   *     erasure stands; erasing again is safe)
   */
  public ErasureReceipt erase(Person person) {
    return LeadEraser.erase(person, journal, sinks, workers.values(), clock);
  }

  /** Erasure receipts, most recent first, at most {@code limit}: no personal data, only what was removed where. */
  public List<ErasureReceipt> erasures(int limit) {
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
    DestinationWorker worker = workers.get(Objects.requireNonNull(destination, "destination"));
    if (worker == null) {
      throw new IllegalArgumentException("no destination named '" + destination + "' (defined: "
          + String.join(", ", workers.keySet()) + ")");
    }
    return new DestinationStatus(destination, DestinationStatus.Breaker.of(worker.breakerState()),
        journal.parkedUntil(destination, clock.instant()));
  }

  /** Runs every sink's publish check. */
  public Map<String, VerificationReport> verify() {
    Map<String, VerificationReport> out = new LinkedHashMap<>();
    sinks.forEach((name, sink) -> out.put(name, sink.verify()));
    return out;
  }

  /** Dead letters matching the query (e.g. {@code DeliveryQuery.deadLetters().destination("crm")}). */
  public List<DeliveryRecord> deadLetters(DeliveryQuery query) {
    return journal.list(query);
  }

  /** Moves matching dead letters back to pending, to be delivered now; returns how many. */
  public int replay(DeliveryQuery query) {
    int n = journal.replay(query, clock.instant());
    query.destination().map(workers::get).ifPresentOrElse(DestinationWorker::wake,
        () -> workers.values().forEach(DestinationWorker::wake));
    return n;
  }

  /** How many deliveries each destination has in each state. */
  public Map<String, Map<DeliveryState, Long>> counts() {
    return journal.counts();
  }

  /** The journal, for inspection. */
  public LeadJournal journal() {
    return journal;
  }

  /** Stops within 30 seconds: see {@link #close(Duration)}. */
  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  /**
   * Stops routing, lets in-flight deliveries finish within {@code timeout}, closes sinks and the journal. Leads not
   * yet delivered stay in the journal and are delivered after the next start.
   */
  public void close(Duration timeout) {
    if (closed) {
      return;
    }
    closed = true;
    maintenance.shutdownNow();
    workers.values().parallelStream().forEach(w -> w.close(timeout));
    sinks.forEach((name, sink) -> {
      try {
        sink.close();
      } catch (RuntimeException e) {
        LOG.warn("closing sink '{}' failed: {}", name, e.toString());
      }
    });
    journal.close();
  }

  private void reclaimLeases() {
    try {
      int n = journal.reclaimExpiredLeases(clock.instant());
      if (n > 0) {
        LOG.warn("{} deliveries outlived their lease and will be retried", n);
        workers.values().forEach(DestinationWorker::wake);
      }
    } catch (RuntimeException e) {
      if (!(e instanceof JournalDamagedException)) { // said once by the journal
        LOG.warn("lease check failed: {}", e.toString());
      }
    }
  }

  /**
   * Spills each destination's leads not delivered within its {@code fallbackAfter} to its fallback, once (the journal
   * marks them in the same transaction), tells listeners and wakes the fallback's worker.
   */
  void spillToFallbacks() {
    for (Map.Entry<String, DeliveryPolicy> e : policies.entrySet()) {
      if (e.getValue().fallback().isEmpty()) {
        continue;
      }
      String destination = e.getKey();
      String fallback = e.getValue().fallback().get();
      Duration after = e.getValue().fallbackAfter();
      try {
        List<LeadJournal.Spill> spilled;
        do {
          java.time.Instant now = clock.instant();
          spilled = journal.spill(destination, fallback, now.minus(after), now, SPILL_BATCH);
          for (LeadJournal.Spill s : spilled) {
            Diagnosis why = new Diagnosis("FALLBACK_SPILLED", "lead " + s.leadId() + " was not delivered to '"
                + destination + "' within " + after + " of its acceptance (" + s.attempts() + " failed attempts)"
                + (s.queued() ? "; it is also sent to '" + fallback + "', marked " + DeliveryPolicy.FALLBACK_ATTRIBUTE
                + "=" + destination : "; '" + fallback + "' has it already"),
                "fix '" + destination + "' (see inspect pending / dead-letters): it keeps trying");
            LOG.warn("destination '{}': {}", destination, why.message());
            receipts.emit(new LeadEvent(LeadEvent.Type.FALLBACK_SPILLED, s.leadId(), destination, now, s.attempts(),
                java.util.Optional.empty(), java.util.Optional.of(why), java.util.Optional.empty(),
                java.util.Optional.of(fallback)));
          }
          if (spilled.stream().anyMatch(LeadJournal.Spill::queued)) {
            DestinationWorker worker = workers.get(fallback);
            if (worker != null) {
              worker.wake();
            }
          }
        } while (spilled.size() == SPILL_BATCH && !closed);
      } catch (RuntimeException ex) {
        if (!(ex instanceof JournalDamagedException)) { // said once by the journal
          LOG.warn("spilling '{}' to its fallback '{}' failed: {}", destination, fallback, ex.toString());
        }
      }
    }
  }

  private static final int SPILL_BATCH = 500;

  private void prune() {
    try {
      int n = journal.pruneSettled(clock.instant().minus(retention));
      if (n > 0) {
        LOG.info("pruned {} settled deliveries older than {}", n, retention);
      }
      Map<String, Duration> payloadRetention = new LinkedHashMap<>();
      policies.forEach((d, p) -> p.payloadRetention().ifPresent(r -> payloadRetention.put(d, r)));
      if (!payloadRetention.isEmpty()) {
        int dropped = journal.dropDeliveredPayloads(payloadRetention, clock.instant());
        if (dropped > 0) {
          LOG.info("dropped the payloads of {} delivered leads (payloadRetention)", dropped);
        }
      }
    } catch (RuntimeException e) {
      if (!(e instanceof JournalDamagedException)) { // said once by the journal
        LOG.warn("pruning the journal failed: {}", e.toString());
      }
    }
  }

  /** Builds a {@link LeadRouter}. Explicit sinks and providers first; discovery only on request. */
  public static final class Builder {
    private final SinkRegistry registry = new SinkRegistry();
    private final Map<String, LeadSink> sinks = new LinkedHashMap<>();
    private final Map<String, SinkConfig> configs = new LinkedHashMap<>();
    private final Map<String, DeliveryPolicy> policies = new LinkedHashMap<>();
    private final List<RoutingRule> rules = new ArrayList<>();
    private final List<String> defaultRoute = new ArrayList<>();
    private final List<LeadListener> listeners = new ArrayList<>();
    private LeadJournal journal;
    private java.util.function.Supplier<LeadJournal> journalFactory;
    private Path journalPath = Path.of("leadrouter.db");
    private LeadLimits limits = LeadLimits.DEFAULTS;
    private Clock clock = Clock.systemUTC();
    private Duration lease = Duration.ofMinutes(5);
    private Duration retention = Duration.ofDays(7);
    private int heldReceipts = 10_000;
    private Duration receiptCheck = Duration.ofSeconds(30);
    private Duration fallbackCheck = Duration.ofSeconds(30);
    private LeadTracer tracer = LeadTracer.NONE;

    private Builder() {}

    /** Adds a ready-made sink under a name, with the default delivery policy. */
    public Builder addSink(String name, LeadSink sink) {
      return addSink(name, sink, DeliveryPolicy.DEFAULTS);
    }

    /** Adds a ready-made sink under a name, with its delivery policy. */
    public Builder addSink(String name, LeadSink sink, DeliveryPolicy policy) {
      checkName(name);
      sinks.put(name, Objects.requireNonNull(sink, "sink"));
      policies.put(name, Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /** Adds a sink to be created at {@link #build()} by the provider of {@code config.type()}. */
    public Builder addSink(SinkConfig config, DeliveryPolicy policy) {
      checkName(config.name());
      configs.put(config.name(), config);
      policies.put(config.name(), Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /** Registers a sink provider explicitly. */
    public Builder addProvider(LeadSinkProvider provider) {
      registry.add(provider);
      return this;
    }

    /**
     * Registers every provider {@link java.util.ServiceLoader} finds; a provider jar that fails to load is logged
     * and skipped; two providers of one type fail naming both classes.
     */
    public Builder discoverProviders(ClassLoader classLoader) {
      registry.discover(Objects.requireNonNull(classLoader, "classLoader"));
      return this;
    }

    /** Adds a routing rule; every matching rule contributes its sinks. */
    public Builder route(RoutingRule rule) {
      rules.add(Objects.requireNonNull(rule, "rule"));
      return this;
    }

    /** The sinks for leads no rule matches. */
    public Builder defaultRoute(String... sinkNames) {
      defaultRoute.clear();
      defaultRoute.addAll(List.of(sinkNames));
      return this;
    }

    /** The journal to use (default: SQLite at {@code ./leadrouter.db}). The router closes it. */
    public Builder journal(LeadJournal journal) {
      this.journal = Objects.requireNonNull(journal, "journal");
      return this;
    }

    /** The SQLite journal file to use (default {@code ./leadrouter.db}). */
    public Builder journalPath(Path path) {
      this.journalPath = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Size limits for {@link LeadValidator}. The router itself no longer refuses leads for their content (the
     * marketplace never re-sends one); kept so that existing builders compile.
     *
     * @deprecated leads are not refused for their size at intake; destinations decide what they can take
     */
    @Deprecated
    public Builder limits(LeadLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Adds a listener told of every lead event. */
    public Builder listener(LeadListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The clock (tests). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How long a claimed delivery may run before another worker may take it over (default 5 minutes). */
    public Builder lease(Duration lease) {
      this.lease = Objects.requireNonNull(lease, "lease");
      return this;
    }

    /** How long settled deliveries are kept in the journal (default 7 days). */
    public Builder retention(Duration retention) {
      this.retention = Objects.requireNonNull(retention, "retention");
      return this;
    }

    /**
     * How many unsettled receipts the router keeps whether or not the caller holds them (default 10,000, about 4 MB).
     * Within it, a future derived from a receipt (say {@code CompletableFuture.allOf(...)} or a {@code thenAccept}
     * callback) completes even if the receipt itself was dropped. Beyond it, during a large backlog, a receipt is
     * tracked only while the caller holds it or one of its own futures; the leads are delivered either way.
     */
    public Builder heldReceipts(int heldReceipts) {
      if (heldReceipts < 0) {
        throw new IllegalArgumentException("heldReceipts must be 0 or more, not " + heldReceipts);
      }
      this.heldReceipts = heldReceipts;
      return this;
    }

    /**
     * Traces route() and each delivery attempt, e.g. {@code OpenTelemetryTracing.create(openTelemetry)}; none by
     * default.
     */
    public Builder tracer(LeadTracer tracer) {
      this.tracer = Objects.requireNonNull(tracer, "tracer");
      return this;
    }

    /**
     * How often the router looks up, in the journal, unsettled receipts it was not told about (default 30 s): leads
     * another router sharing the journal delivered. Such a receipt completes within about three intervals.
     */
    public Builder receiptCheck(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < 1) {
        throw new IllegalArgumentException("receiptCheck must be at least 1 ms, not " + interval);
      }
      this.receiptCheck = interval;
      return this;
    }

    /**
     * How often the router looks for leads to spill to a destination's fallback (default 30 s): a lead spills at
     * most this long after its {@code fallbackAfter} age.
     */
    public Builder fallbackCheck(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < 1) {
        throw new IllegalArgumentException("fallbackCheck must be at least 1 ms, not " + interval);
      }
      this.fallbackCheck = interval;
      return this;
    }

    /**
     * Creates configured sinks, checks routes name known sinks, opens the journal and starts delivering.
     *
     * @throws ConfigurationException listing every problem at once
     */
    public LeadRouter build() {
      Map<String, LeadSink> all = createSinks();
      try {
        return new LeadRouter(this, all, policies);
      } catch (RuntimeException e) {
        all.values().forEach(LeadSink::close);
        throw e;
      }
    }

    /**
     * Creates the sinks and checks the routes like {@link #build()}, but opens no journal and starts no worker: an
     * explainer for dry runs (the {@code leadrouter explain} command). Close it to close its sinks.
     *
     * @throws ConfigurationException listing every problem at once
     */
    public LeadExplainer buildExplainer() {
      return explainer(createSinks(), true);
    }

    /**
     * Creates the sinks and opens the journal like {@link #build()}, but starts no worker: an eraser for the
     * {@code leadrouter erase} command, which must not deliver anything. Close it to close both.
     *
     * @throws ConfigurationException listing every problem at once
     */
    public LeadEraser buildEraser() {
      Map<String, LeadSink> all = createSinks();
      try {
        LeadJournal j = journal != null ? journal
            : journalFactory != null ? journalFactory.get() : SqliteJournal.open(journalPath);
        return new LeadEraser(j, all, clock);
      } catch (RuntimeException e) {
        all.values().forEach(LeadSink::close);
        throw e;
      }
    }

    LeadExplainer explainer(Map<String, LeadSink> all, boolean ownsSinks) {
      return new LeadExplainer(all, rules, defaultRoute, new LeadValidator(limits), Map.of(), ownsSinks);
    }

    /** Creates configured sinks and checks that routes name known sinks; closes what it made on failure. */
    private Map<String, LeadSink> createSinks() {
      List<Problem> problems = new ArrayList<>();
      Map<String, LeadSink> all = new LinkedHashMap<>(sinks);
      for (SinkConfig config : configs.values()) {
        try {
          all.put(config.name(), registry.create(config));
        } catch (ConfigurationException e) {
          problems.addAll(e.problems());
        }
      }
      if (all.isEmpty() && problems.isEmpty()) {
        problems.add(new Problem("sinks", "no sink is configured", "add at least one sink"));
      }
      for (int i = 0; i < rules.size(); i++) {
        for (String s : rules.get(i).sinks()) {
          if (!all.containsKey(s) && !configs.containsKey(s)) {
            problems.add(new Problem("routes[" + i + "].sinks", "no sink named '" + s + "'",
                "define it or fix the name (defined: " + String.join(", ", names()) + ")"));
          }
        }
      }
      for (String s : defaultRoute) {
        if (!all.containsKey(s) && !configs.containsKey(s)) {
          problems.add(new Problem("default", "no sink named '" + s + "'",
              "define it or fix the name (defined: " + String.join(", ", names()) + ")"));
        }
      }
      policies.forEach((name, policy) -> policy.fallback().ifPresent(f -> {
        if (f.equals(name)) {
          problems.add(new Problem("sinks." + name + ".delivery.fallback", "names the destination itself",
              "name another destination to take its late leads, e.g. a file sink or a team's webhook"));
        } else if (!all.containsKey(f) && !configs.containsKey(f)) {
          problems.add(new Problem("sinks." + name + ".delivery.fallback", "no sink named '" + f + "'",
              "define it or fix the name (defined: " + String.join(", ", names()) + ")"));
        }
      }));
      if (!problems.isEmpty()) {
        all.values().forEach(LeadSink::close);
        throw new ConfigurationException(problems);
      }
      return all;
    }

    private List<String> names() {
      List<String> n = new ArrayList<>(sinks.keySet());
      n.addAll(configs.keySet());
      return n;
    }

    private void checkName(String name) {
      Objects.requireNonNull(name, "name");
      if (sinks.containsKey(name) || configs.containsKey(name)) {
        throw new ConfigurationException("sinks." + name, "is defined twice", "give each sink its own name");
      }
    }
  }

}
