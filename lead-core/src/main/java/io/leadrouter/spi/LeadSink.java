package io.leadrouter.spi;

import io.leadrouter.Lead;
import io.leadrouter.Person;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Delivers leads to one destination. Implementations are thread-safe: the router calls {@link #deliver} from up
 * to {@link SinkCapabilities#maxConcurrency()} threads at once, or as many as the application's
 * {@code DeliveryPolicy} in-flight setting says when it sets one ({@link #prepareFor} tells the number);
 * {@link #explain}, {@link #verify} and {@link #erase} may run on the application's threads alongside. A sink
 * whose calls must never overlap declares {@code maxConcurrency(1)} and says so for users who set the policy. A sink classifies its destination's answers into
 * {@link DeliveryResult} or a {@link DeliveryException}; the router never guesses from status codes.
 *
 * <p><b>What the router does when a sink breaks these rules</b> (so that no lead is lost or delivered twice, and the
 * operator learns which plugin to fix). Anything else thrown by {@link #deliver} or {@link #deliverBatch} (a
 * {@link RuntimeException}, or an {@link Error} such as {@link StackOverflowError}, {@link AssertionError} or the
 * {@link NoClassDefFoundError} of a missing dependency) fails the call's leads transiently with the diagnosis
 * {@code SINK_ERROR} ({@code SINK_LINKAGE_ERROR} for a {@link LinkageError}) naming the destination and the sink's
 * class: they are retried with backoff and dead-lettered with that diagnosis past their give-up age; the delivery
 * thread goes on. A null result, or a lead without exactly one result of its own in {@link #deliverBatch}'s list,
 * fails that lead transiently with {@code SINK_BAD_RESULT}. Calls run with the sink's class loader as the thread's
 * context class loader. The list of leads given to {@link #deliverBatch} is unmodifiable; do not keep it.
 */
public interface LeadSink extends AutoCloseable {

  /**
   * Delivers one lead. Must be idempotent by {@link Lead#id()}: the router redelivers after ambiguous failures and
   * crashes, and the destination must still end up with one record.
   */
  DeliveryResult deliver(Lead lead) throws DeliveryException;

  /**
   * Delivers several leads, returning exactly one result per lead, in the same order. The router matches results to
   * leads by {@link BatchItemResult#leadId()}, so an order the destination scrambled is still settled right; a lead
   * without a result, or with two, is retried ({@code SINK_BAD_RESULT}), and results for leads not in the list are
   * ignored. The default delivers one by one; a transient or quota failure stops the loop and is reported for the
   * remaining leads too, so a down destination is not hammered (a {@linkplain TransientDeliveryException#deferred
   * deferral}, one lead's own wait, stops nothing). Sinks with a batch API override this. Throwing fails
   * the whole batch.
   */
  default List<BatchItemResult> deliverBatch(List<Lead> leads) throws DeliveryException {
    List<BatchItemResult> results = new ArrayList<>(leads.size());
    DeliveryException stop = null;
    for (Lead lead : leads) {
      if (stop != null) {
        results.add(BatchItemResult.failure(lead.id(), stop));
        continue;
      }
      try {
        results.add(BatchItemResult.success(lead.id(), deliver(lead)));
      } catch (PermanentDeliveryException e) {
        results.add(BatchItemResult.failure(lead.id(), e));
      } catch (TransientDeliveryException e) {
        if (!e.isDeferred()) {
          stop = e; // a deferral is that lead's own wait: the others go on
        }
        results.add(BatchItemResult.failure(lead.id(), e));
      } catch (QuotaExceededException e) {
        stop = e;
        results.add(BatchItemResult.failure(lead.id(), e));
      }
    }
    return results;
  }

  /**
   * The request {@link #deliver} would send for this lead, built by the same code, without sending anything, taking
   * a token or writing a file: a dry run for operators ({@code LeadRouter.explain}). Put {@link
   * ExplainedRequest#REDACTED} where a credential would go. Empty (the default, for sinks written before this
   * method) means "not explainable".
   *
   * @throws PermanentDeliveryException when a check this sink makes before sending would already fail the lead
   *     (a value it cannot take, a record too large)
   */
  default Optional<ExplainedRequest> explain(Lead lead) throws PermanentDeliveryException {
    return Optional.empty();
  }

  /**
   * Removes what this sink itself keeps of a person ({@code LeadRouter.erase}): a sink that writes local copies (the
   * file sink) removes them and returns how many records it removed. Empty (the default) means the sink keeps
   * nothing LeadRouter can erase: a CRM's own records are the CRM's business, outside LeadRouter's scope; the
   * erasure receipt lists such destinations.
   */
  default OptionalLong erase(Person person) {
    return OptionalLong.empty();
  }

  /**
   * The publish check: credentials, permissions and a marketplace-style test lead, each step reported. Report every
   * failure as a step; a {@code verify()} that throws or returns null is reported as a failed {@code verify} step
   * ({@code SINK_ERROR}) naming this class.
   */
  VerificationReport verify();

  /**
   * What the destination allows (batch size, rate limit, concurrency, upsert). Asked when the router is built; one
   * that throws or returns null refuses the build with a {@code ConfigurationException} naming the destination and
   * this class. The router sends at most 1,000 leads per call and runs at most 256 calls at once, whatever is declared.
   */
  SinkCapabilities capabilities();

  /**
   * Told once, before the first delivery, how many deliveries the router runs to this sink at once (its
   * {@code DeliveryPolicy} in-flight setting, which may differ from {@link SinkCapabilities#maxConcurrency()}), so
   * that it can size its connection pool to match. The default does nothing.
   */
  default void prepareFor(int inFlight) {}

  /**
   * Told once, before {@link #prepareFor} and the first delivery, where to keep counters that must survive a
   * restart: the router's journal, for this destination. Not called when the journal keeps none (an in-memory
   * one); the sink then counts in memory. The default ignores them.
   */
  default void useCounters(SinkCounters counters) {}

  /**
   * Releases connections and threads, promptly. Does not throw. One that throws anyway is logged; one still running
   * when the router's close timeout (at least 5 s) ends is named in the log and left behind, and the router goes on
   * closing the other sinks and the journal.
   */
  @Override
  default void close() {}
}
