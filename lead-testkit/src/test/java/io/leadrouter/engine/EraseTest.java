package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.ErasureReceipt;
import io.leadrouter.IntakeReceipt;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.Person;
import io.leadrouter.file.FileSink;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasing a person end to end (#22): leads of the person and of others routed to a file sink, a CRM that takes them,
 * one that stays down (pending) and one that refuses (dead letters), plus quarantined payloads; after
 * {@code erase} the journal's files (db, -wal, -shm) and the file sink's file hold none of the person's values in
 * any case, and everyone else's leads are intact and delivered.
 */
@Timeout(120)
class EraseTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final DeliveryPolicy FAST = DeliveryPolicy.DEFAULTS
      .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200)).withBreaker(100, Duration.ofMillis(100));

  @TempDir Path dir;

  private static Lead person(String first, String last, String email, String phone) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.random()).firstName(first).lastName(last)
        .email(email).phone(phone).build();
  }

  @Test
  void erase_byEmail_leavesNoTraceInTheJournalFilesOrTheFileSink_andOthersStayDelivered() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    Path out = dir.resolve("out").resolve("leads.ndjson");
    InMemoryLeadSink crm = new InMemoryLeadSink();
    SinkCapabilities one = SinkCapabilities.builder().maxConcurrency(1).build();
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("archive", FileSink.open(out), FAST)
        .addSink("crm", crm, FAST)
        .addSink("down", TestSinks.of(one, lead -> {
          throw new TransientDeliveryException("503 from the test destination");
        }), FAST)
        .addSink("refuses", TestSinks.of(one, lead -> {
          throw new PermanentDeliveryException(new Diagnosis("TEST_REFUSED", "the destination refused the lead",
              "nothing: a test"));
        }), FAST)
        .defaultRoute("archive", "crm", "down", "refuses")
        .build();
    try {
      List<Lead> janes = List.of(
          person("Janette", "Quixotic", "janette.quixotic@contoso.com", "+1 (425) 555-0142"),
          person("Janette", "Quixotic", "Janette.QUIXOTIC@Contoso.com", "+1 425 555 0142"));
      List<Lead> others = List.of(
          person("Bob", "Smith", "bob.smith@contoso.com", "+1 425 555 0199"),
          person("Carol", "Jones", "carol@fabrikam.com", "+44 20 7946 0018"));
      List<Lead> all = new ArrayList<>(janes);
      all.addAll(others);
      all.forEach(router::route);
      // quarantined: payloads that could not be read, one of them the person's
      IntakeReceipt janesPayload = router.intake(("{\"LeadId\":\"q1\",\"UserDetails\":{\"Email\":"
          + "\"JANETTE.quixotic@contoso.com\",\"email\":\"x\",\"Phone\":\"425-555-0142\"}}")
          .getBytes(StandardCharsets.UTF_8), "test line 1");
      IntakeReceipt bobsPayload = router.intake(("{\"LeadId\":\"q2\",\"UserDetails\":{\"Email\":"
          + "\"bob.smith@contoso.com\",\"email\":\"x\"}}").getBytes(StandardCharsets.UTF_8), "test line 2");
      assertThat(janesPayload).isInstanceOf(IntakeReceipt.Quarantined.class);
      assertThat(bobsPayload).isInstanceOf(IntakeReceipt.Quarantined.class);

      awaitStates(router, Map.of("archive", DeliveryState.DELIVERED, "crm", DeliveryState.DELIVERED,
          "refuses", DeliveryState.DEAD), all.size());
      assertThat(scan(db, out)).as("before: the person is there").isNotEmpty();

      ErasureReceipt receipt = router.erase(Person.byEmail("janette.quixotic@CONTOSO.com"));

      assertThat(receipt.erasedLeads()).containsExactlyInAnyOrderElementsOf(janes.stream().map(Lead::id).toList());
      assertThat(receipt.rows()).containsEntry("leads", 2L).containsEntry("quarantine", 1L)
          .containsEntry("sink.archive", 2L).containsEntry("deliveries.dead", 2L);
      assertThat(receipt.rows().getOrDefault("deliveries.delivered", 0L)).isEqualTo(4L);
      assertThat(receipt.rows().getOrDefault("deliveries.pending", 0L)
          + receipt.rows().getOrDefault("deliveries.in_flight", 0L)).as("the down destination's, cancelled")
          .isEqualTo(2L);
      assertThat(receipt.notErased()).as("the CRMs' own records are out of scope")
          .containsExactly("crm", "down", "refuses");
      assertThat(scan(db, out)).as("after, the router still running").isEmpty();

      for (Lead other : others) {
        assertThat(router.journal().lead(other.id())).contains(other);
        assertThat(router.journal().deliveries(other.id())).filteredOn(r -> !r.destination().equals("down"))
            .allSatisfy(r -> assertThat(r.state()).isIn(DeliveryState.DELIVERED, DeliveryState.DEAD));
        assertThat(crm.contains(other.id())).isTrue();
      }
      assertThat(Files.readAllLines(out)).hasSize(2).allSatisfy(l -> assertThat(l).doesNotContain("Janette"));
      assertThat(router.quarantineCount()).isEqualTo(1);
      assertThat(router.erasures(10)).singleElement().satisfies(r -> {
        assertThat(r.id()).isEqualTo(receipt.id());
        assertThat(r.subject()).isEqualTo("email");
        assertThat(r.rows()).containsEntry("sink.archive", 2L).containsEntry("leads", 2L);
        assertThat(r.erasedLeads()).isEmpty();
      });
      // a lead routed again afterwards is a new lead (the person came back): nothing stops it
      Lead again = person("Janette", "Quixotic", "janette.quixotic@contoso.com", "");
      router.route(again).deliveries().get("crm").get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(crm.contains(again.id())).isTrue();
      assertThat(router.erase(Person.byEmail("janette.quixotic@contoso.com")).leads()).isEqualTo(1);
    } finally {
      router.close();
    }
    assertThat(scan(db, out)).as("after close").isEmpty();
  }

  private static void awaitStates(LeadRouter router, Map<String, DeliveryState> wanted, long count)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Map<DeliveryState, Long>> counts = router.counts();
      boolean done = wanted.entrySet().stream().allMatch(e -> counts.getOrDefault(e.getKey(), Map.of())
          .getOrDefault(e.getValue(), 0L) == count);
      if (done) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("deliveries did not settle in " + WAIT + ": " + router.counts());
  }

  /** Which of the person's values (any case; the phone in each spelling) the files hold. */
  static List<String> scan(Path db, Path out) throws IOException {
    List<String> found = new ArrayList<>();
    List<Path> files = new ArrayList<>(List.of(out));
    try (Stream<Path> s = Files.list(db.getParent())) {
      s.filter(p -> p.getFileName().toString().startsWith(db.getFileName().toString())).forEach(files::add);
    }
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        continue;
      }
      String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
      for (String value : List.of("janette.quixotic@contoso.com", "janette", "quixotic", "555-0142", "555 0142",
          "5550142")) {
        if (text.contains(value)) {
          found.add(value + " in " + f.getFileName());
        }
      }
    }
    return found;
  }
}
