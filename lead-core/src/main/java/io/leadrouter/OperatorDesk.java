package io.leadrouter;

import io.leadrouter.internal.SinkCalls;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.QuarantinedPayload;
import io.leadrouter.spi.Require;
import io.leadrouter.spi.VerificationReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an operator does through a router besides routing: looks at the quarantine, dead letters, erasures, counts and
 * statuses, replays, erases, verifies the sinks. What reads or changes the journal is refused once the router is
 * closed, saying what did not happen. Not API: {@link LeadRouter}'s methods of the same names are.
 */
final class OperatorDesk {
  private final RouterLifecycle router;
  private final LeadJournal journal;
  private final Intake intake;

  OperatorDesk(RouterLifecycle router, Intake intake) {
    this.router = router;
    this.journal = router.journal;
    this.intake = intake;
  }

  /** See {@link LeadRouter#quarantined(int)}. */
  List<QuarantinedPayload> quarantined(int limit) {
    checkReadable();
    return journal.quarantined(limit);
  }

  /** See {@link LeadRouter#quarantineCount()}. */
  long quarantineCount() {
    checkReadable();
    return journal.quarantineCount();
  }

  /** See {@link LeadRouter#replayQuarantined(int)}; reads {@code page} payloads at a time. */
  LeadRouter.QuarantineReplay replayQuarantined(int limit, int page) {
    checkOpen("nothing was replayed: replay the quarantine through an open router");
    return intake.replay(limit, Require.atLeast(page, 1, "page"));
  }

  /** See {@link LeadRouter#erase(Person)}. */
  ErasureReceipt erase(Person person) {
    checkOpen("nothing was erased: erase through an open router, or with an eraser (LeadRouter.builder(descriptor)"
        + ".buildEraser(), the 'leadrouter erase' command) once this one has stopped");
    return LeadEraser.erase(person, journal, router.sinks, router.workers.all(), router.clock,
        router.receipts::erased);
  }

  /** See {@link LeadRouter#erasures(int)}. */
  List<ErasureReceipt> erasures(int limit) {
    checkReadable();
    return journal.erasures(limit);
  }

  /** See {@link LeadRouter#status(String)}. */
  DestinationStatus status(String destination) {
    checkReadable();
    return new DestinationStatus(destination,
        DestinationStatus.Breaker.of(router.workers.get(destination).breakerState()),
        journal.parkedUntil(destination, router.clock.instant()));
  }

  /** See {@link LeadRouter#deadLetters(DeliveryQuery)}. */
  List<DeliveryRecord> deadLetters(DeliveryQuery query) {
    checkReadable();
    return journal.list(query);
  }

  /** See {@link LeadRouter#replay(DeliveryQuery)}. */
  int replay(DeliveryQuery query) {
    checkOpen("nothing was replayed: replay the dead letters through an open router");
    int n = journal.replay(query, router.clock.instant());
    query.destination().ifPresentOrElse(router.workers::wake, router.workers::wakeAll);
    return n;
  }

  /** See {@link LeadRouter#counts()}. */
  Map<String, Map<DeliveryState, Long>> counts() {
    checkReadable();
    return journal.counts();
  }

  /** See {@link LeadRouter#verify()}. */
  Map<String, VerificationReport> verify() {
    Map<String, VerificationReport> out = new LinkedHashMap<>();
    // a plugin whose verify() throws fails its own report, not the others' (SinkCalls)
    router.sinks.forEach((name, sink) -> out.put(name, SinkCalls.verify(name, sink)));
    return out;
  }

  /**
   * @throws LeadRouterException once the router is closed, saying {@code what} of the call did not happen (its
   *     journal's own error read "a lead routed in this call was not accepted: route it again" for an erasure too)
   */
  private void checkOpen(String what) {
    if (router.admission.closed()) {
      throw new LeadRouterException("the router is closed: " + what);
    }
  }

  private void checkReadable() {
    checkOpen("its journal is no longer read through it (see isClosed()); open the journal again to look at it");
  }
}
