package io.leadrouter.cli;

import io.leadrouter.LeadRouter;
import io.leadrouter.cli.internal.DeliveryTally;
import io.leadrouter.cli.internal.EventPrinter;
import io.leadrouter.cli.internal.Progress;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.Diagnosis;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code leadrouter replay}: moves dead letters back to pending once their destination is fixed, and delivers them. */
@Command(name = "replay", description = {
    "Moves matching dead letters back to pending and delivers them, waiting a bounded time.",
    "Run it after fixing the destination (see 'leadrouter inspect dead-letters' and 'leadrouter verify'). "
        + "Dead letters whose outcome is unknown (codes ending _OUTCOME_UNKNOWN: their destination may hold them "
        + "already) are replayed only when --code names them. Exit code 1 when some were dead-lettered again."})
final class ReplayCommand extends DescriptorCommand {
  private static final int TRACKED = 100_000;
  private static final long POLL_MILLIS = 100;

  @Mixin
  DeliveryFilter filter;

  @Mixin
  WaitOption waitOption;

  @picocli.CommandLine.Option(names = "--quarantined", description = "read quarantined payloads again (after an "
      + "upgrade, a fix of the sender, or a new route) and route those now readable, instead of replaying dead letters")
  boolean quarantined;

  @Override
  int run(PrintWriter out) throws InterruptedException {
    PrintWriter err = err();
    if (quarantined && filter.any()) {
      throw usage("--quarantined reads every quarantined payload again: --sink, --code and --since select dead"
          + " letters; run them without --quarantined");
    }
    filter.checkWithoutJournal(spec.commandLine());
    options.loadWithExistingJournal(); // replay reads dead letters: a missing journal file is a mistyped path
    if (quarantined) {
      try (LeadRouter router = options.router(new EventPrinter(out))) {
        LeadRouter.QuarantineReplay r = router.replayQuarantined(); // all of it, page by page: not only the newest
        out.println("replay: " + r.routed() + " quarantined payloads read and routed, " + r.stillQuarantined()
            + " still quarantined" + (r.stillQuarantined() > 0 ? " (see 'leadrouter inspect quarantine')" : ""));
        return r.stillQuarantined() == 0 ? Main.OK : Main.FAILED;
      }
    }
    // only the descriptor's sinks deliver: a dead letter of another would be moved to pending and never sent
    Set<String> sinks = options.load().sinks().keySet();
    if (filter.sink != null && !sinks.contains(filter.sink)) {
      try (LeadJournal journal = options.journal()) {
        Set<String> known = new TreeSet<>(sinks);
        known.addAll(journal.counts().keySet());
        DeliveryQuery named = filter.apply(spec.commandLine(), DeliveryQuery.deadLetters(), known).limit(TRACKED);
        // named explicitly, yet nothing can deliver them: nothing is moved, and the exit code says it was not replayed
        List<DeliveryRecord> stranded = journal.list(named);
        leftAlone(out, stranded, sinks);
        out.println("replay: moved 0 dead letters back to pending");
        return stranded.isEmpty() ? Main.OK : Main.FAILED;
      }
    }
    DeliveryQuery query = filter.apply(spec.commandLine(), DeliveryQuery.deadLetters(), sinks).limit(TRACKED);
    try (LeadRouter router = options.router(new EventPrinter(out))) {
      List<DeliveryRecord> matching = router.deadLetters(query);
      // dead letters of a destination the descriptor no longer has stay dead letters, said by name (not an error:
      // the user asked for every replayable one)
      leftAlone(out, matching, sinks);
      List<DeliveryRecord> before = matching.stream().filter(r -> sinks.contains(r.destination())).toList();
      List<DeliveryRecord> unknown = filter.code != null ? List.of() : before.stream()
          .filter(r -> r.diagnosis().map(Diagnosis::outcomeUnknown).orElse(false)).toList();
      // the router leaves these unless --code names them (LeadRouter#replay): say so, and how to replay them
      int moved = query.destination().isPresent() ? router.replay(query)
          : sinks.stream().mapToInt(sink -> router.replay(query.destination(sink))).sum();
      if (!unknown.isEmpty()) {
        before = before.stream().filter(r -> !unknown.contains(r)).toList();
        Set<String> unknownCodes = new TreeSet<>();
        unknown.forEach(r -> r.diagnosis().ifPresent(d -> unknownCodes.add(d.code())));
        String first = unknownCodes.iterator().next();
        out.println("replay: left " + unknown.size() + " dead letters alone whose destination may already hold them ("
            + String.join(", ", unknownCodes) + "): an answer was lost after they were sent, and sending them "
            + "again may deliver them twice. Look for each at its destination ('leadrouter inspect dead-letters "
            + "--code " + first + "'), then replay those missing with 'leadrouter replay --code " + first + "'");
      }
      out.println("replay: moved " + moved + " dead letters back to pending");
      if (moved == 0) {
        return Main.OK;
      }
      Progress progress = Progress.auto(err);
      long deadline = System.nanoTime() + waitOption.wait.toNanos();
      DeliveryTally tally = tally(router, before);
      while (tally.unsettled() > 0 && System.nanoTime() < deadline) {
        progress.step(0, "replay: " + (before.size() - tally.unsettled()) + " of " + before.size() + " settled");
        Thread.sleep(POLL_MILLIS);
        tally = tally(router, before);
      }
      progress.done("replay: " + (before.size() - tally.unsettled()) + " of " + before.size() + " settled");
      out.println();
      out.println("summary: " + moved + " replayed" + (moved > before.size() ? " (" + before.size() + " tracked)" : ""));
      tally.print(out, "  ");
      if (tally.unsettled() > 0) {
        out.println(tally.unsettled() + " deliveries are not finished: they continue with the next 'leadrouter "
            + "route' or 'leadrouter serve' on this descriptor");
      }
      router.close(WaitOption.CLOSE_GRACE); // what still runs stays in the journal: --wait is the bound
      return tally.deadLettered() == 0 ? Main.OK : Main.FAILED;
    }
  }

  /**
   * Says, per destination that is no sink of the descriptor, how many of {@code records} are left dead letters and
   * how to deliver them: moved to pending, nothing would send them.
   */
  private static void leftAlone(PrintWriter out, List<DeliveryRecord> records, Set<String> sinks) {
    Map<String, Long> orphaned = records.stream().filter(r -> !sinks.contains(r.destination()))
        .collect(Collectors.groupingBy(DeliveryRecord::destination, TreeMap::new, Collectors.counting()));
    orphaned.forEach((destination, n) -> out.println("replay: left " + n + " dead letters of " + destination
        + " alone: " + destination + " is no sink of the descriptor, so nothing would deliver them. Add it back"
        + " under sinks: and run 'leadrouter replay --sink " + destination + "' ('leadrouter inspect dead-letters"
        + " --sink " + destination + "' lists them)"));
  }

  private static DeliveryTally tally(LeadRouter router, List<DeliveryRecord> replayed) {
    DeliveryTally t = new DeliveryTally();
    for (DeliveryRecord r : replayed) {
      router.journal().deliveries(r.leadId()).stream().filter(d -> d.destination().equals(r.destination()))
          .forEach(t::add);
    }
    return t;
  }
}
