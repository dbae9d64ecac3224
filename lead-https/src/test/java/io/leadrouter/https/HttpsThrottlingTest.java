package io.leadrouter.https;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.testkit.Await;
import io.leadrouter.testkit.SampleLeads;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Optional;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A receiver that throttles (429, RFC 6585) with every kind of {@code Retry-After} a hostile or broken peer sends,
 * attacked through a real router on a real SQLite journal and the real HTTPS sink: no busy loop, no thread parked for
 * the wait, no lead given up or delivered twice, close() prompt.
 */
@Tag("slow") // about 27 s: run by -Pslow, which CI runs after the main build
@Timeout(120)
class HttpsThrottlingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension
  static final WebhookReceiverFake receiver = new WebhookReceiverFake();

  @TempDir Path dir;
  private final List<LeadRouter> routers = new ArrayList<>();
  private final List<LeadEvent> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeRouters() {
    routers.forEach(r -> r.close(Duration.ofSeconds(5)));
  }

  private LeadRouter router(DeliveryPolicy policy, int inFlight, Duration lease) {
    LeadRouter r = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db"))).lease(lease)
        .listener(events::add)
        .addSink("hook", receiver.sink().maxConcurrency(inFlight).build(), policy.withMaxConcurrency(inFlight))
        .defaultRoute("hook").build();
    routers.add(r);
    return r;
  }

  private static StubMapping throttle(String... retryAfter) {
    ResponseDefinitionBuilder answer = aResponse().withStatus(429).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":\"too many requests\"}");
    if (retryAfter.length > 0) {
      answer = answer.withHeader("Retry-After", retryAfter);
    }
    return receiver.server.stubFor(any(anyUrl()).atPriority(1).willReturn(answer));
  }

  /** Posts answered 2xx, per lead id in the body. */
  private static Map<String, Integer> acknowledged() {
    Map<String, Integer> n = new HashMap<>();
    for (ServeEvent e : receiver.server.getAllServeEvents()) {
      if (e.getResponse().getStatus() / 100 != 2) {
        continue;
      }
      try {
        JsonNode id = JSON.readTree(e.getRequest().getBody()).get("LeadId");
        n.merge(id.asText(), 1, Integer::sum);
      } catch (IOException ex) {
        throw new AssertionError(ex);
      }
    }
    return n;
  }

  private static int requests() {
    return receiver.server.getAllServeEvents().size();
  }

  private static void await(BooleanSupplier done, String what) throws InterruptedException {
    Await.until(what, WAIT, done);
  }

  private static final DeliveryPolicy BACKOFF = DeliveryPolicy.builder()
      .backoff(Duration.ofMillis(200), Duration.ofSeconds(2)).build();

  /**
   * A {@code Retry-After} that names no wait (zero, an HTTP-date already past, both twice) is no invitation to retry
   * at once: honoured as such, every retry was due immediately, hundreds of posts a second against a receiver that
   * asked for fewer. The backoff applies instead, and the lead stays pending (throttled, not failed).
   */
  @ParameterizedTest
  @ValueSource(strings = {"0", "Sun, 06 Nov 1994 08:49:37 GMT", "-1", "soon", "1.5"})
  void retryAfterNamingNoWait_isNoBusyLoop_theBackoffApplies(String retryAfter) throws Exception {
    throttle(retryAfter, retryAfter);
    LeadRouter router = router(BACKOFF, 1, Duration.ofMinutes(5));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    router.route(lead);
    await(() -> requests() >= 2, "a retry");
    int before = requests();
    Thread.sleep(2000); // an observation window: how many posts the router makes while the receiver says 429
    // the backoff (200 ms doubling to 2 s, jittered) allows about 5 in 2 s; the busy loop made hundreds
    assertThat(requests() - before).as("posts in 2 s after a Retry-After of '%s'", retryAfter).isLessThan(15);
    assertThat(router.counts().get("hook")).doesNotContainKey(DeliveryState.DEAD);
  }

  /**
   * A long {@code Retry-After} (ten years, Long.MAX_VALUE seconds, a date in year 9999, or a short and a long one
   * in two headers) is clamped to the policy's {@code maxRetryAfter} (default 1 h), holds every lead of the
   * destination without parking a delivery thread on it, and close() returns at once: nothing is lost, every lead is
   * pending after reopening.
   */
  @ParameterizedTest
  @ValueSource(strings = {"315360000", "9223372036854775807", "Fri, 31 Dec 9999 23:59:59 GMT", "1,315360000"})
  void hugeRetryAfter_isClamped_holdsNoThread_closeIsPrompt_nothingLost(String retryAfter) throws Exception {
    throttle(retryAfter.split(","));
    LeadRouter router = router(DeliveryPolicy.DEFAULTS, 4, Duration.ofMinutes(5));
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Lead lead = SampleLeads.azureMarketplaceInstall();
      leads.add(lead);
      router.route(lead);
    }
    await(() -> events.stream().anyMatch(e -> e.type() == LeadEvent.Type.RETRYING), "the first throttle");
    LeadEvent retry = events.stream().filter(e -> e.type() == LeadEvent.Type.RETRYING).findFirst().orElseThrow();
    assertThat(Duration.between(retry.at(), retry.nextAttempt().orElseThrow()))
        .isEqualTo(DeliveryPolicy.DEFAULTS.maxRetryAfter());
    Thread.sleep(500); // the other in-flight deliveries meet the hold
    assertThat(requests()).as("posts after the first 429: the hold keeps the others back").isLessThanOrEqualTo(4);

    long start = System.nanoTime();
    router.close(Duration.ofSeconds(30));
    routers.remove(router);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).as("close() while the destination is held for an hour").isLessThan(Duration.ofSeconds(10));

    io.leadrouter.journal.LeadJournal journal = SqliteJournal.open(dir.resolve("leadrouter.db"));
    try {
      List<DeliveryRecord> all = journal.list(new DeliveryQuery(EnumSet.allOf(DeliveryState.class), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty(), 100));
      assertThat(all).hasSize(12).allSatisfy(d -> assertThat(d.state()).isEqualTo(DeliveryState.PENDING));
    } finally {
      journal.close();
    }
  }
  /**
   * A hold longer than the lease: the other deliveries in flight used to sleep it out on their delivery threads,
   * their claims expired meanwhile and were taken again, and each such lead was posted twice (once by the sleeper,
   * once by the new claim). Now they go back to the journal, due when the hold ends: each lead is posted once.
   */
  @Test
  void holdLongerThanTheLease_everyLeadPostedOnce() throws Exception {
    StubMapping first = receiver.server.stubFor(any(anyUrl()).atPriority(1)
        .inScenario("once").whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
        .willSetStateTo("healthy")
        .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "4")));
    LeadRouter router = router(DeliveryPolicy.DEFAULTS, 3, Duration.ofSeconds(2));
    List<RoutingReceipt> receipts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      receipts.add(router.route(SampleLeads.azureMarketplaceInstall()));
    }
    for (RoutingReceipt r : receipts) {
      r.allDelivered().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    Thread.sleep(1500); // a second copy would be posted now, when its reclaimed lease comes round
    assertThat(acknowledged()).hasSize(6).allSatisfy((lead, posts) -> assertThat(posts).as(lead).isEqualTo(1));
    assertThat(first).isNotNull();
  }

  /**
   * A throttle is the destination up and asking for less: however long it lasts, past the give-up age too, the lead
   * is never dead-lettered; once the receiver takes leads again it is delivered, once.
   */
  @Test
  void throttledPastTheGiveUpAge_neverDeadLettered_deliveredOnceItRecovers() throws Exception {
    StubMapping throttling = throttle("1");
    LeadRouter router = router(DeliveryPolicy.builder().giveUpAfter(Duration.ofSeconds(1)).build(), 1,
        Duration.ofMinutes(5));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    RoutingReceipt receipt = router.route(lead);
    await(() -> events.stream().filter(e -> e.type() == LeadEvent.Type.RETRYING).count() >= 3,
        "three throttles, the last ones past the give-up age");
    assertThat(events).noneMatch(e -> e.type() == LeadEvent.Type.DEAD_LETTERED);
    assertThat(router.deadLetters(DeliveryQuery.deadLetters())).isEmpty();

    receiver.server.removeStub(throttling);
    receipt.allDelivered().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(acknowledged()).containsExactly(Map.entry(lead.id().value(), 1));
  }

  /**
   * More deliveries in flight than one period of the rate limit holds: the ones the limiter could not give a permit
   * within its timeout used to go without one, past the limit (four posts at once under "1 per second"); now they wait
   * in the journal for a later period. Under 1 per second, no three posts fall within one second.
   */
  @Test
  void rateLimit_moreInFlightThanItsPeriodTakes_isNeverExceeded() throws Exception {
    LeadRouter router = router(DeliveryPolicy.builder().rateLimit(1, Duration.ofSeconds(1)).build(), 6,
        Duration.ofMinutes(5));
    List<RoutingReceipt> receipts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      receipts.add(router.route(SampleLeads.azureMarketplaceInstall()));
    }
    for (RoutingReceipt r : receipts) {
      r.allDelivered().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    List<Long> at = receiver.server.getAllServeEvents().stream()
        .map(e -> e.getRequest().getLoggedDate().getTime()).sorted().toList();
    assertThat(at).hasSize(6);
    for (int i = 2; i < at.size(); i++) {
      // fixed one-second windows allow two posts close together across a window's edge, never three
      assertThat(at.get(i) - at.get(i - 2)).as("ms between post %d and post %d", i - 2, i).isGreaterThan(900);
    }
    assertThat(acknowledged()).hasSize(6).allSatisfy((lead, posts) -> assertThat(posts).isEqualTo(1));
  }
}
