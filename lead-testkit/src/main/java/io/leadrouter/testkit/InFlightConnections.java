package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.LeadRouter;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The check of an HTTP sink's connection pool against the router's in-flight setting (what
 * {@code LeadSink.prepareFor} tells the sink): {@code rounds} bursts of leads, each lead another customer's, routed
 * through a real {@link LeadRouter} with a SQLite journal at {@code inFlight} deliveries at once, each burst settled
 * before the next (marketplace leads come in bursts), to the sink pointed at a {@link FaultProxy} in front of its
 * fake. The proxy counts the connections it accepts and holds the delivery calls in groups of {@code together}, the
 * calls the sink runs at once: each group is that many calls in flight together, each on its own connection,
 * whatever the timing. A burst is {@code inFlight} leads rounded up to whole groups. A pool keeping fewer idle
 * connections than the calls in flight closes the ones beyond it once a burst has settled, and the next burst opens
 * new ones (against a real CRM a TLS handshake each): more connections than calls ever in flight.
 */
public final class InFlightConnections {
  /** How long a burst's calls may take to be in flight together, and the burst to settle. */
  private static final Duration WITHIN = Duration.ofSeconds(30);

  private InFlightConnections() {}

  /**
   * What a run showed.
   *
   * @param delivered leads delivered
   * @param connections client connections the proxy accepted
   * @param fullGroups groups of {@code together} calls that were in flight at once
   * @param shortGroups groups whose calls were not, within 30 s
   */
  public record Result(int delivered, int connections, int fullGroups, int shortGroups) {}

  /**
   * Routes the bursts and asserts every lead delivered, every group's {@code together} calls in flight at once
   * (nothing between the router and the wire held them one behind another) and at most {@code together} connections
   * for all of it: the sink's pool keeps one per call it runs at once.
   *
   * @param sinkAt the sink under test, given the proxy's base URL (point both its API and its token endpoint there)
   * @param fake the fake's base URL (only its port is used)
   * @param calls the delivery calls to hold (not the token fetch)
   * @param inFlight the router's in-flight setting for the destination
   * @param together the calls the sink runs at once at that setting (the in-flight setting, or the sink's own cap)
   * @param rounds how many bursts
   * @param dir a folder for the SQLite journal (a JUnit {@code @TempDir})
   */
  public static Result assertPoolKeepsUp(Function<URI, LeadSink> sinkAt, URI fake, Predicate<FaultProxy.Seen> calls,
      int inFlight, int together, int rounds, Path dir) throws Exception {
    Result r = route(sinkAt, fake, calls, inFlight, together, rounds, dir);
    assertThat(r.connections()).as("connections for " + rounds + " bursts of " + burst(inFlight, together)
        + " leads at " + inFlight + " in flight, " + together + " calls at once: " + r).isBetween(1, together);
    return r;
  }

  /**
   * Routes the bursts (see {@link #assertPoolKeepsUp} for the parameters) and asserts every lead delivered and every
   * group's calls in flight at once; the connections are the caller's to judge.
   */
  public static Result route(Function<URI, LeadSink> sinkAt, URI fake, Predicate<FaultProxy.Seen> calls,
      int inFlight, int together, int rounds, Path dir) throws Exception {
    Objects.requireNonNull(sinkAt, "sinkAt");
    Result r;
    try (FaultProxy proxy = FaultProxy.to(fake).holdInGroupsOf(together, calls, WITHIN);
        LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leads.db")))
            .addSink(ManyCustomers.DESTINATION, sinkAt.apply(proxy.uri()), ManyCustomers.policy(inFlight))
            .defaultRoute(ManyCustomers.DESTINATION).build()) {
      int delivered = 0;
      int leads = burst(inFlight, together);
      for (int round = 0; round < rounds; round++) {
        List<CompletableFuture<DeliveryResult>> burst = new ArrayList<>(leads);
        for (int i = 0; i < leads; i++) {
          burst.add(router.route(ManyCustomers.lead(round * leads + i, 0)).deliveries()
              .get(ManyCustomers.DESTINATION));
        }
        for (CompletableFuture<DeliveryResult> f : burst) {
          f.get(WITHIN.toSeconds(), TimeUnit.SECONDS); // a failed delivery fails the check with its cause
          delivered++;
        }
      }
      r = new Result(delivered, proxy.connections(), proxy.fullGroups(), proxy.shortGroups());
    }
    assertThat(r.fullGroups()).as("groups of " + together + " calls in flight at once: " + r)
        .isEqualTo(rounds * burst(inFlight, together) / together);
    assertThat(r.shortGroups()).as(r.toString()).isZero();
    return r;
  }

  /** The leads of a burst: {@code inFlight} rounded up to whole groups of {@code together}. */
  private static int burst(int inFlight, int together) {
    return (inFlight + together - 1) / together * together;
  }
}
