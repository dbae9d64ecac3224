package io.leadrouter.journal;

import io.leadrouter.LambdaSink;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.spi.DeliveryResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a second JVM by {@link DiskFullTest} under a file-size limit: a router on an SQLite journal whose sink prints
 * {@code DELIVERED <id>} for every call, driven by lines on stdin. {@code route N} routes N leads and prints
 * {@code ACCEPTED <id>} after each {@code route()} returned, or {@code REFUSED <id> <message>}, then {@code ROUTED};
 * {@code burst} routes from four threads until the process is killed; {@code health} prints {@code HEALTH ok} or
 * {@code HEALTH refused <why>} (the journal's {@link LeadJournal#intakeRefused}); {@code drain} waits until nothing is left to
 * deliver and prints {@code DRAINED}; {@code close} closes the router. Every printed
 * {@code ACCEPTED} is a promise. Arguments: the journal file.
 */
public final class ResourceFaultChild {
  private static final AtomicInteger NEXT = new AtomicInteger();
  private static final String PADDING = "campaign notes ".repeat(70); // ~1 kB a lead: the log fills in a few hundred

  private ResourceFaultChild() {}

  /** Serves the commands until {@code close} or the end of stdin. */
  public static void main(String[] args) throws Exception {
    // a short lease: a delivery whose result could not be recorded while the disk was full is sent again soon
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(Path.of(args[0])))
        .lease(Duration.ofSeconds(2))
        .addSink("crm", LambdaSink.of(lead -> {
          System.out.println("DELIVERED " + lead.id().value());
          return DeliveryResult.created("r-" + lead.id().value());
        })).defaultRoute("crm").build();
    System.out.println("READY");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.startsWith("route ")) {
        for (int i = Integer.parseInt(line.substring(6)); i > 0; i--) {
          route(router);
        }
        System.out.println("ROUTED");
      } else if (line.equals("burst")) {
        for (int t = 0; t < 4; t++) {
          Thread caller = new Thread(() -> {
            while (true) {
              route(router);
            }
          }, "caller-" + t);
          caller.setDaemon(true);
          caller.start();
        }
      } else if (line.equals("health")) {
        // what serve's /health and the Spring indicator ask: whether the journal takes leads in now
        System.out.println(router.journal().intakeRefused().map(m -> "HEALTH refused " + m.replace('\n', ' '))
            .orElse("HEALTH ok"));
      } else if (line.equals("drain")) {
        // until the journal holds nothing left to deliver (results the full disk kept from being recorded included)
        while (router.counts().values().stream().flatMap(m -> m.entrySet().stream())
            .anyMatch(e -> e.getKey() != DeliveryState.DELIVERED && e.getValue() > 0)) {
          Thread.sleep(50);
        }
        System.out.println("DRAINED");
      } else if (line.equals("close")) {
        router.close();
        System.out.println("CLOSED");
        return;
      }
    }
  }

  private static void route(LeadRouter router) {
    String id = "lead-" + NEXT.incrementAndGet();
    Lead lead = Lead.builder().id(id).createdTime(Instant.parse("2026-12-03T10:00:00Z")).firstName("Jane")
        .lastName("Doe").email("jane@contoso.com").country("US").source("AzureMarketplace-INS|contoso.crm")
        .offerTitle("CRM").description(PADDING).build();
    try {
      router.route(lead);
      System.out.println("ACCEPTED " + id); // System.out flushes each line into the pipe
    } catch (RuntimeException e) {
      System.out.println("REFUSED " + id + " " + e.getClass().getSimpleName() + ": "
          + String.valueOf(e.getMessage()).replace('\n', ' '));
    }
  }
}
