package io.leadrouter;

import io.leadrouter.internal.SinkRegistry;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Require;
import io.leadrouter.spi.SinkConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Builds a {@link LeadRouter}. Explicit sinks and providers first; discovery only on request. */
public final class LeadRouterBuilder {
  private final SinkRegistry registry = new SinkRegistry();
  private final Map<String, LeadSink> sinks = new LinkedHashMap<>();
  private final Map<String, SinkConfig> configs = new LinkedHashMap<>();
  final Map<String, DeliveryPolicy> policies = new LinkedHashMap<>();
  final List<RoutingRule> rules = new ArrayList<>();
  final List<String> defaultRoute = new ArrayList<>();
  final List<LeadListener> listeners = new ArrayList<>();
  private LeadJournal journal;
  private java.util.function.Supplier<LeadJournal> journalFactory;
  private Path journalPath = Path.of("leadrouter.db");
  private LeadLimits limits = LeadLimits.DEFAULTS;
  /** The clock set by {@link #clock}; null: the router picks (see {@link LeadRouter}). */
  Clock clock;
  Duration lease = Duration.ofMinutes(5);
  Duration retention = Duration.ofDays(7);
  int heldReceipts = 10_000;
  int listenerBacklog = io.leadrouter.internal.WorkerThreads.DEFAULT_LISTENER_BACKLOG;
  Duration receiptCheck = Duration.ofSeconds(30);
  Duration fallbackCheck = Duration.ofSeconds(30);
  LeadTracer tracer = LeadTracer.NONE;

  LeadRouterBuilder() {}

  /** A builder preset from a descriptor: see {@link LeadRouter#builder(RouterDescriptor)}. */
  static LeadRouterBuilder from(RouterDescriptor descriptor) {
    Objects.requireNonNull(descriptor, "descriptor");
    LeadRouterBuilder b = new LeadRouterBuilder();
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

  /** Adds a ready-made sink under a name, with the default delivery policy. */
  public LeadRouterBuilder addSink(String name, LeadSink sink) {
    return addSink(name, sink, DeliveryPolicy.DEFAULTS);
  }

  /** Adds a ready-made sink under a name, with its delivery policy. */
  public LeadRouterBuilder addSink(String name, LeadSink sink, DeliveryPolicy policy) {
    checkName(name);
    sinks.put(name, Objects.requireNonNull(sink, "sink"));
    policies.put(name, Objects.requireNonNull(policy, "policy"));
    return this;
  }

  /** Adds a sink to be created at {@link #build()} by the provider of {@code config.type()}. */
  public LeadRouterBuilder addSink(SinkConfig config, DeliveryPolicy policy) {
    checkName(config.name());
    configs.put(config.name(), config);
    policies.put(config.name(), Objects.requireNonNull(policy, "policy"));
    return this;
  }

  /** Registers a sink provider explicitly. */
  public LeadRouterBuilder addProvider(LeadSinkProvider provider) {
    registry.add(provider);
    return this;
  }

  /**
   * Registers every provider {@link java.util.ServiceLoader} finds; a provider jar that fails to load is logged
   * and skipped; two providers of one type fail naming both classes.
   */
  public LeadRouterBuilder discoverProviders(ClassLoader classLoader) {
    registry.discover(Objects.requireNonNull(classLoader, "classLoader"));
    return this;
  }

  /** Adds a routing rule; every matching rule contributes its sinks. */
  public LeadRouterBuilder route(RoutingRule rule) {
    rules.add(Objects.requireNonNull(rule, "rule"));
    return this;
  }

  /**
   * The sinks for leads no rule matches; none (the default) refuses such leads.
   *
   * @throws NullPointerException naming {@code defaultRoute[i]} for a null name
   */
  public LeadRouterBuilder defaultRoute(String... sinkNames) {
    Objects.requireNonNull(sinkNames, "sinkNames");
    for (int i = 0; i < sinkNames.length; i++) {
      Objects.requireNonNull(sinkNames[i], "defaultRoute[" + i + "]");
    }
    defaultRoute.clear();
    defaultRoute.addAll(List.of(sinkNames));
    return this;
  }

  /**
   * The journal to use (default: SQLite at {@code ./leadrouter.db}). The router closes it. One instance serves one
   * router for its whole life: {@link #build()} throws {@link io.leadrouter.journal.JournalException} when another
   * open router uses the instance (two would claim and deliver the same leads) or when a router closed it (open the
   * journal again for the new router).
   */
  public LeadRouterBuilder journal(LeadJournal journal) {
    this.journal = Objects.requireNonNull(journal, "journal");
    return this;
  }

  /** The SQLite journal file to use (default {@code ./leadrouter.db}). */
  public LeadRouterBuilder journalPath(Path path) {
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
  public LeadRouterBuilder limits(LeadLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
    return this;
  }

  /** Adds a listener told of every lead event. */
  public LeadRouterBuilder listener(LeadListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * The clock (tests). By default the router reads the system clock, and with a journal it owns alone (SQLite) one
   * that never goes back: the system clock set back an hour does not make retries wait an hour more. A clock set
   * here is used as it is, except for the ages the policies count ({@code giveUpAfter}, {@code fallbackAfter}): its
   * moves count as age only as far as time passed, told by the clock itself when it implements {@link ElapsedTime}
   * (a test clock moved by hand), else measured with {@link System#nanoTime}.
   */
  public LeadRouterBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /**
   * How long a claimed delivery may run before another worker may take it over (default 5 minutes).
   *
   * @throws IllegalArgumentException {@code lease must be positive: PT0S}: a lease that ends at once would let a
   *     second worker deliver a lead still in flight; or longer than {@link #MAX_LEASE} (a day; "practically never"
   *     overflowed at the first route())
   */
  public LeadRouterBuilder lease(Duration lease) {
    Require.positive(lease, "lease");
    if (lease.compareTo(MAX_LEASE) > 0) {
      throw new IllegalArgumentException("lease must be at most " + MAX_LEASE + ", not " + lease + ": a crashed"
          + " router's deliveries in flight wait that long before another takes them. A slow destination needs no"
          + " longer lease: a call still running has its lease renewed (up to four leases); give its sink a call"
          + " timeout instead");
    }
    this.lease = lease;
    return this;
  }

  /** The longest lease {@link #lease} takes: a day. */
  public static final Duration MAX_LEASE = Duration.ofDays(1);

  /** The longest interval {@link #receiptCheck} and {@link #fallbackCheck} keep: a longer one counts as a day. */
  static final Duration MAX_INTERVAL = Duration.ofDays(1);

  /**
   * How long settled deliveries are kept in the journal (default 7 days).
   *
   * @throws IllegalArgumentException {@code retention must be positive: PT-1S}
   */
  public LeadRouterBuilder retention(Duration retention) {
    this.retention = Require.positive(retention, "retention");
    return this;
  }

  /**
   * How many unsettled receipts the router keeps whether or not the caller holds them (default 10,000, about 4 MB).
   * Within it, a future derived from a receipt (say {@code CompletableFuture.allOf(...)} or a {@code thenAccept}
   * callback) completes even if the receipt itself was dropped. Beyond it, during a large backlog, a receipt is
   * tracked only while the caller holds it or one of its own futures; the leads are delivered either way.
   */
  public LeadRouterBuilder heldReceipts(int heldReceipts) {
    this.heldReceipts = Require.atLeast(heldReceipts, 0, "heldReceipts");
    return this;
  }

  /**
   * How many delivery outcomes may wait for slow {@linkplain #listener listeners} (default 10,000, across all
   * destinations). A listener that blocks holds up the events after it (and the receipts they complete), never the
   * deliveries; once this many wait, further outcomes complete their receipts without being told to listeners
   * (logged, with their count once the listeners caught up), so a stuck listener costs bounded memory.
   */
  public LeadRouterBuilder listenerBacklog(int events) {
    this.listenerBacklog = Require.atLeast(events, 1, "listenerBacklog");
    return this;
  }

  /**
   * Traces route() and each delivery attempt, e.g. {@code OpenTelemetryTracing.create(openTelemetry)}; none by
   * default.
   */
  public LeadRouterBuilder tracer(LeadTracer tracer) {
    this.tracer = Objects.requireNonNull(tracer, "tracer");
    return this;
  }

  /**
   * How often the router looks up, in the journal, unsettled receipts it was not told about (default 30 s): leads
   * another router sharing the journal delivered. Such a receipt completes within about three intervals. At most a
   * day: a longer interval counts as a day.
   */
  public LeadRouterBuilder receiptCheck(Duration interval) {
    this.receiptCheck = interval("receiptCheck", interval);
    return this;
  }

  /**
   * How often the router looks for leads to spill to a destination's fallback (default 30 s): a lead spills at most
   * this long after its {@code fallbackAfter} age. At most a day: a longer interval counts as a day.
   */
  public LeadRouterBuilder fallbackCheck(Duration interval) {
    this.fallbackCheck = interval("fallbackCheck", interval);
    return this;
  }

  /** {@code interval}, checked to be at least a millisecond; longer than {@link #MAX_INTERVAL} counts as that. */
  private static Duration interval(String name, Duration interval) {
    Objects.requireNonNull(interval, "interval");
    if (interval.compareTo(Duration.ofMillis(1)) < 0) { // toMillis() overflowed for "practically never"
      throw new IllegalArgumentException(name + " must be at least 1 ms, not " + interval);
    }
    return interval.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : interval;
  }

  /** The journal this builder names: the one given, else the factory's, else SQLite at the path. */
  LeadJournal openJournal() {
    return journal != null ? journal : journalFactory != null ? journalFactory.get() : SqliteJournal.open(journalPath);
  }

  /**
   * Creates configured sinks, checks routes name known sinks, opens the journal and starts delivering.
   *
   * @throws ConfigurationException listing every problem at once
   */
  public LeadRouter build() {
    Map<String, LeadSink> all = createSinks();
    try {
      return new LeadRouter(this, all);
    } catch (RuntimeException e) {
      io.leadrouter.internal.SinkCalls.closeAll(all, System.nanoTime());
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
      return new LeadEraser(openJournal(), all, clock != null ? clock : Clock.systemUTC());
    } catch (RuntimeException e) {
      io.leadrouter.internal.SinkCalls.closeAll(all, System.nanoTime());
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
    all.forEach((name, sink) -> {
      try {
        io.leadrouter.internal.SinkCalls.capabilities(name, sink); // before the journal opens: nothing left open
      } catch (ConfigurationException e) {
        problems.addAll(e.problems());
      }
    });
    if (all.isEmpty() && problems.isEmpty()) {
      problems.add(new Problem("sinks", "no sink is configured", "add at least one sink"));
    }
    for (int i = 0; i < rules.size(); i++) {
      for (String s : rules.get(i).sinks()) {
        if (!all.containsKey(s) && !configs.containsKey(s)) {
          problems.add(noSinkNamed("routes[" + i + "].sinks", s));
        }
      }
    }
    for (String s : defaultRoute) {
      if (!all.containsKey(s) && !configs.containsKey(s)) {
        problems.add(noSinkNamed("default", s));
      }
    }
    policies.forEach((name, policy) -> policy.fallback().ifPresent(f -> {
      if (f.equals(name)) {
        problems.add(new Problem("sinks." + name + ".delivery.fallback", "names the destination itself",
            "name another destination to take its late leads, e.g. a file sink or a team's webhook"));
      } else if (!all.containsKey(f) && !configs.containsKey(f)) {
        problems.add(noSinkNamed("sinks." + name + ".delivery.fallback", f));
      }
    }));
    if (!problems.isEmpty()) {
      io.leadrouter.internal.SinkCalls.closeAll(all, System.nanoTime());
      throw new ConfigurationException(problems);
    }
    return all;
  }

  /** A sink name that names no sink: the nearest defined name if one is close, and every defined name. */
  private Problem noSinkNamed(String field, String name) {
    List<String> defined = names();
    return new Problem(field, "no sink named '" + name + "'", io.leadrouter.internal.Spelling.didYouMean(name,
        defined).map(s -> s + " otherwise define it").orElse("define it or fix the name") + " (defined: "
        + io.leadrouter.internal.Spelling.listed(defined) + ")");
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
