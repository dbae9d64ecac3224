package io.leadrouter.proof;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.bench.HttpPostSink;
import io.leadrouter.bench.Leads;
import io.leadrouter.journal.SqliteJournal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The process {@link CrashTest} kills: a router on an SQLite journal delivering to the test's loopback receiver,
 * routing leads from several threads as fast as it can and printing each lead's id only after {@code route()}
 * returned (so every printed id is a promise: the lead is durable). Prints {@code READY} once the router runs.
 * Arguments: journal file, receiver URL, caller threads.
 */
public final class CrashChild {
  private CrashChild() {}

  /** Routes until killed. */
  public static void main(String[] args) throws Exception {
    Path journal = Path.of(args[0]);
    URI receiver = URI.create(args[1]);
    int threads = Integer.parseInt(args[2]);
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(journal))
        .addSink("crm", new HttpPostSink(receiver, 4, Duration.ofSeconds(5), Clock.systemUTC()), policy())
        .defaultRoute("crm").build();
    System.out.println("READY");
    for (int t = 0; t < threads; t++) {
      Thread caller = new Thread(() -> {
        while (true) {
          Lead lead = Leads.next();
          router.route(lead);
          System.out.println(lead.id().value()); // System.out flushes each line into the pipe
        }
      }, "caller-" + t);
      caller.start();
    }
  }

  /** Short retry timings, so a drain after the last kill is quick. */
  static DeliveryPolicy policy() {
    return DeliveryPolicy.DEFAULTS.withBackoff(Duration.ofMillis(10), Duration.ofMillis(100));
  }
}
