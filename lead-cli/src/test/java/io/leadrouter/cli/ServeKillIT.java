package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code leadrouter serve} SIGKILLed while eight clients POST leads and unreadable payloads: after a restart, every
 * body that was answered 2xx ends delivered (a lead) or in the quarantine (an unreadable payload); none is lost,
 * none delivered twice. Bodies the kill left unanswered may or may not have been kept: the marketplace saw no 2xx.
 */
class ServeKillIT extends ServeITBase {
  @Test
  void killedWhileClientsPost_every2xxBodyEndsDeliveredOrQuarantined() throws Exception {
    String d = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();
    Jar.Serve first = start(d);
    Set<String> acceptedLeads = ConcurrentHashMap.newKeySet();
    Set<Long> acceptedQuarantine = ConcurrentHashMap.newKeySet();
    AtomicInteger sent = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    for (int c = 0; c < 8; c++) {
      int client = c;
      clients.submit(() -> {
        for (int i = 0; !stop.get() && i < 10_000; i++) {
          String id = "kill-" + client + "-" + i;
          // one body in five cannot be read unambiguously (the e-mail twice): it must be quarantined, not lost
          String body = i % 5 == 4
              ? "{\"UserDetails\":{\"Email\":\"a" + id + "@contoso.com\",\"EMAIL\":\"b@evil.example\"},"
                  + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\",\"LeadId\":\"" + id + "\"}"
              : "{\"UserDetails\":{\"FirstName\":\"K" + i + "\",\"Email\":\"" + id + "@contoso.com\",\"Country\":"
                  + "\"usa\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\",\"LeadId\":\"" + id + "\"}";
          sent.incrementAndGet();
          try {
            HttpResponse<String> r = Jar.post(first.url("/leads/" + TOKEN), body);
            if (r.statusCode() / 100 == 2) {
              JsonNode answer = Jar.json(r.body());
              if (answer.path("quarantined").asBoolean(false)) {
                acceptedQuarantine.add(answer.path("quarantineId").asLong());
              } else {
                acceptedLeads.add(answer.path("leadId").asText());
              }
            }
          } catch (IOException e) {
            return null; // the server is gone: no answer, so the marketplace would not count this one as taken
          }
        }
        return null;
      });
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (acceptedLeads.size() + acceptedQuarantine.size() < 150 && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    first.process().destroyForcibly(); // SIGKILL, mid-traffic
    assertThat(first.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
    stop.set(true);
    clients.shutdown();
    assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    assertThat(acceptedLeads.size() + acceptedQuarantine.size()).as("2xx answers before the kill, of %d sent",
        sent.get()).isGreaterThan(100);
    assertThat(acceptedQuarantine).as("quarantined bodies among them").isNotEmpty();

    Jar.Serve second = start(d); // delivers what the journal holds
    List<String> delivered = Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), acceptedLeads);
    assertThat(delivered).as("every 2xx'd lead delivered").containsAll(acceptedLeads);
    assertThat(new HashSet<>(delivered)).as("none delivered twice").hasSize(delivered.size());
    second.process().toHandle().destroy(); // SIGTERM: the SQLite journal admits one process
    assertThat(second.process().waitFor(30, TimeUnit.SECONDS)).isTrue();

    Jar.Result inspect = Jar.run(dir, "inspect", "quarantine", "--json", "--limit", "100000", "--descriptor", d);
    assertThat(inspect.exit()).as(inspect.all()).isZero();
    Set<Long> kept = new HashSet<>();
    for (JsonNode q : Jar.json(inspect.out())) {
      kept.add(q.path("id").asLong());
      assertThat(q.path("diagnosis").path("code").asText()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
    }
    assertThat(kept).as("every 2xx'd unreadable body in the quarantine").containsAll(acceptedQuarantine);
  }
}
