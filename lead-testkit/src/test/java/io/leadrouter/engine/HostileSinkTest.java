package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.Await;
import io.leadrouter.testkit.ForwardingLeadSink;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A sink plugin that throws what it should not, returns null, or answers a batch with results that do not match
 * its leads: the worker goes on, no lead is lost or credited with another's result, and the diagnosis names the
 * destination, the plugin's class and what it did wrong (see {@code SinkCalls}).
 */
@Timeout(90)
class HostileSinkTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final DeliveryPolicy FAST = DeliveryPolicy.DEFAULTS
      .withBackoff(Duration.ofMillis(5), Duration.ofMillis(40)).withBreaker(100, Duration.ofMillis(50));

  private final List<LeadRouter> routers = new ArrayList<>();
  private final List<LeadEvent> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    routers.forEach(LeadRouter::close);
  }

  private LeadRouter start(io.leadrouter.LeadRouterBuilder b) {
    LeadRouter r = b.listener(events::add).build();
    routers.add(r);
    return r;
  }

  private List<LeadEvent> events(LeadEvent.Type type, String destination) {
    return events.stream().filter(e -> e.type() == type && e.destination().equals(destination)).toList();
  }

  /** A plugin's own sink class (not a lambda of the router's): its name must appear in the diagnosis. */
  static final class ThrowingOnceSink extends ForwardingLeadSink {
    private final Supplier<Throwable> thrown;
    private final InMemoryLeadSink store;
    private final AtomicInteger calls = new AtomicInteger();

    ThrowingOnceSink(Supplier<Throwable> thrown) {
      this(thrown, new InMemoryLeadSink(SinkCapabilities.builder().maxConcurrency(1).build()));
    }

    private ThrowingOnceSink(Supplier<Throwable> thrown, InMemoryLeadSink store) {
      super(store);
      this.thrown = thrown;
      this.store = store;
    }

    @Override
    public DeliveryResult deliver(Lead lead) throws DeliveryException {
      if (calls.getAndIncrement() == 0) {
        sneakyThrow(thrown.get());
      }
      return super.deliver(lead);
    }
  }

  @SuppressWarnings("unchecked")
  static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
    throw (T) t;
  }

  static Stream<Named<Supplier<Throwable>>> pluginThrowables() {
    String leak = "jane.doe@contoso.com password=hunter2-secret";
    return Stream.of(
        Named.of("RuntimeException", () -> new IllegalStateException("client not ready for " + leak)),
        Named.of("StackOverflowError", () -> new StackOverflowError("recursion in the plugin " + leak)),
        Named.of("OutOfMemoryError thrown by the plugin", () -> new OutOfMemoryError("plugin buffer " + leak)),
        Named.of("NoClassDefFoundError (missing dependency)", () -> new NoClassDefFoundError("com/example/crm/Client")),
        Named.of("AssertionError", () -> new AssertionError("plugin invariant " + leak)),
        Named.of("checked exception thrown sneakily", () -> new java.io.IOException("socket closed " + leak)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pluginThrowables")
  void deliver_pluginThrowsAnything_leadRetriedWithDiagnosisNamingPlugin_otherDestinationUnaffected(
      Supplier<Throwable> thrown) throws Exception {
    ThrowingOnceSink plugin = new ThrowingOnceSink(thrown);
    InMemoryLeadSink other = new InMemoryLeadSink();
    try (OutputCapture out = OutputCapture.start()) {
      LeadRouter router = start(LeadRouter.builder().journal(InMemoryJournal.create())
          .addSink("crm", plugin, FAST).addSink("other", other, FAST).defaultRoute("crm", "other"));
      Lead lead = SampleLeads.azureMarketplaceInstall();
      Map<String, DeliveryResult> results = router.route(lead).allDelivered().get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(results).containsOnlyKeys("crm", "other");
      assertThat(plugin.store.deliveryCount(lead.id())).isEqualTo(1);
      assertThat(other.deliveryCount(lead.id())).isEqualTo(1);
      LeadEvent retrying = events(LeadEvent.Type.RETRYING, "crm").get(0);
      Diagnosis d = retrying.diagnosis().orElseThrow();
      boolean linkage = thrown.get() instanceof LinkageError;
      assertThat(d.code()).isEqualTo(linkage ? "SINK_LINKAGE_ERROR" : "SINK_ERROR");
      assertThat(d.message()).contains("destination 'crm'").contains(ThrowingOnceSink.class.getName())
          .contains(thrown.get().getClass().getName());
      assertThat(d.remediation()).contains(linkage ? "dependencies" : ThrowingOnceSink.class.getName());
      // the delivery thread survived: the next lead goes through the same worker at once
      Lead next = SampleLeads.appSourceCreate();
      assertThat(router.route(next).allDelivered().get(30, java.util.concurrent.TimeUnit.SECONDS)).containsOnlyKeys("crm", "other");
      assertThat(out.text() + d).doesNotContain("jane.doe@contoso.com").doesNotContain("hunter2-secret");
    }
  }

  @Test
  void deliver_missingDependencyEveryTime_deadLetteredPastGiveUpAge_withTheFix() throws Exception {
    LeadSink broken = TestSinks.of(SinkCapabilities.builder().build(), lead -> {
      throw new NoClassDefFoundError("com/example/crm/Client");
    });
    LeadRouter router = start(LeadRouter.builder().journal(InMemoryJournal.create())
        .addSink("crm", broken, FAST.withGiveUpAfter(Duration.ofMillis(300))).defaultRoute("crm"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    router.route(lead);
    Await.until("the lead dead-lettered", WAIT, () -> !events(LeadEvent.Type.DEAD_LETTERED, "crm").isEmpty());
    Diagnosis d = events(LeadEvent.Type.DEAD_LETTERED, "crm").get(0).diagnosis().orElseThrow();
    assertThat(d.toString()).contains("SINK_LINKAGE_ERROR").contains("destination 'crm'")
        .contains("com/example/crm/Client").contains("put the plugin's dependencies");
    assertThat(router.counts().get("crm")).containsEntry(DeliveryState.DEAD, 1L);
  }

  @Test
  void deliver_returnsNull_retriedAsBadResultNamingThePlugin() throws Exception {
    InMemoryLeadSink store = new InMemoryLeadSink();
    AtomicInteger calls = new AtomicInteger();
    LeadSink nullOnce = TestSinks.of(SinkCapabilities.builder().build(),
        lead -> calls.getAndIncrement() == 0 ? null : store.deliver(lead));
    LeadRouter router = start(LeadRouter.builder().journal(InMemoryJournal.create()).addSink("crm", nullOnce, FAST)
        .defaultRoute("crm"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    assertThat(router.route(lead).allDelivered().get(30, java.util.concurrent.TimeUnit.SECONDS)).containsOnlyKeys("crm");
    Diagnosis d = events(LeadEvent.Type.RETRYING, "crm").get(0).diagnosis().orElseThrow();
    assertThat(d.code()).isEqualTo("SINK_BAD_RESULT");
    assertThat(d.message()).contains("destination 'crm'").contains("returned null from deliver()")
        .contains(nullOnce.getClass().getName());
  }

  /** A batch sink whose first call's results are mangled; every later call answers properly. */
  static final class ManglingBatchSink extends TestSinks.RejectingBatches {
    private final Function<List<BatchItemResult>, List<BatchItemResult>> mangle;
    private final AtomicInteger calls = new AtomicInteger();

    ManglingBatchSink(Function<List<BatchItemResult>, List<BatchItemResult>> mangle) {
      super(10);
      this.mangle = mangle;
    }

    @Override
    public List<BatchItemResult> deliverBatch(List<Lead> leads) throws DeliveryException {
      List<BatchItemResult> proper = super.deliverBatch(leads);
      return calls.getAndIncrement() == 0 ? mangle.apply(proper) : proper;
    }
  }

  private static List<BatchItemResult> with(List<BatchItemResult> r,
      java.util.function.Consumer<List<BatchItemResult>> f) {
    List<BatchItemResult> copy = new ArrayList<>(r);
    f.accept(copy);
    return copy;
  }

  static Stream<Named<Function<List<BatchItemResult>, List<BatchItemResult>>>> mangledResults() {
    LeadId stranger = LeadId.of("11111111-2222-3333-4444-555555555555");
    return Stream.of(
        Named.of("in reverse order", r -> with(r, Collections::reverse)),
        Named.of("the last one missing", r -> with(r, l -> l.remove(l.size() - 1))),
        Named.of("one more, for a lead not in the batch", r -> with(r,
            l -> l.add(BatchItemResult.success(stranger, DeliveryResult.created("x"))))),
        Named.of("the first twice, the last missing", r -> with(r, l -> l.set(l.size() - 1, l.get(0)))),
        Named.of("a null element", r -> with(r, l -> l.set(2, null))),
        Named.of("null instead of a list", r -> null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mangledResults")
  void deliverBatch_resultsNotOneForOne_eachLeadSettledByItsOwnResult_noneLost(
      Function<List<BatchItemResult>, List<BatchItemResult>> mangle) throws Exception {
    ManglingBatchSink sink = new ManglingBatchSink(mangle);
    LeadJournal journal = InMemoryJournal.create();
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      leads.add(SampleLeads.azureMarketplaceInstall().toBuilder().email((i == 1 ? "bad" : "ok") + i + "@contoso.com")
          .build());
    }
    for (Lead l : leads) { // accepted before the router starts: one batch of six
      journal.accept(l, List.of("crm"), Instant.now());
    }
    LeadRouter router = start(LeadRouter.builder().journal(journal).addSink("crm", sink, FAST).defaultRoute("crm"));
    Await.until("all six settled", WAIT, () -> {
      Map<DeliveryState, Long> c = router.counts().getOrDefault("crm", Map.of());
      return c.getOrDefault(DeliveryState.DELIVERED, 0L) + c.getOrDefault(DeliveryState.DEAD, 0L) == 6
          && events.stream().filter(e -> e.destination().equals("crm")
              && (e.type() == LeadEvent.Type.DELIVERED || e.type() == LeadEvent.Type.DEAD_LETTERED))
              .count() == 6; // outcomes are published after they are written
    });
    // the lead the destination refused is the one dead-lettered, whatever order its result came in
    assertThat(events(LeadEvent.Type.DEAD_LETTERED, "crm")).extracting(LeadEvent::leadId)
        .containsExactly(leads.get(1).id());
    for (Lead l : leads) {
      if (l != leads.get(1)) {
        assertThat(sink.store.contains(l.id())).as("delivered: %s", l.id()).isTrue();
      }
    }
    for (LeadEvent e : events(LeadEvent.Type.RETRYING, "crm")) {
      Diagnosis d = e.diagnosis().orElseThrow();
      assertThat(d.code()).isEqualTo("SINK_BAD_RESULT");
      assertThat(d.message()).contains(ManglingBatchSink.class.getName()).contains("deliverBatch()");
    }
    // a lead that got exactly one result of its own is settled by it, not sent again
    long resent = leads.stream().filter(l -> sink.store.deliveryCount(l.id()) > 1).count();
    assertThat(resent).isEqualTo(events(LeadEvent.Type.RETRYING, "crm").stream()
        .filter(e -> !e.leadId().equals(leads.get(1).id())).count());
  }

  @Test
  void deliver_runsWithThePluginsClassLoaderAsContextClassLoader() throws Exception {
    List<ClassLoader> seen = new CopyOnWriteArrayList<>();
    InMemoryLeadSink store = new InMemoryLeadSink();
    LeadSink recording = TestSinks.of(SinkCapabilities.builder().build(), lead -> {
      seen.add(Thread.currentThread().getContextClassLoader());
      return store.deliver(lead);
    });
    Thread me = Thread.currentThread();
    ClassLoader mine = me.getContextClassLoader();
    // the application's threads (which start the router's pool threads) carry a loader the plugin does not know
    try (URLClassLoader foreign = new URLClassLoader(new URL[0], null)) {
      me.setContextClassLoader(foreign);
      LeadRouter router = start(LeadRouter.builder().journal(InMemoryJournal.create()).addSink("crm", recording, FAST)
          .defaultRoute("crm"));
      router.route(SampleLeads.azureMarketplaceInstall()).allDelivered().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      me.setContextClassLoader(mine);
    }
    assertThat(seen).isNotEmpty().allSatisfy(cl -> assertThat(cl).isSameAs(recording.getClass().getClassLoader()));
  }
}
