package io.leadrouter;

import io.leadrouter.spi.DeliveryResult;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Returned by {@link LeadRouter#route} once the lead is durable: from here on it will be delivered. One future per
 * destination completes with the {@link DeliveryResult}, or exceptionally with a {@link LeadDeliveryException} if the
 * lead is dead-lettered there. The router keeps up to {@link LeadRouterBuilder#heldReceipts(int)} unsettled receipts
 * (10,000 by default) itself, so callbacks and futures derived from a dropped receipt still complete; beyond that,
 * during a large backlog, keep the receipt or one of its futures to be told. Outcomes are recorded in the journal
 * and sent to listeners either way. A receipt whose lead another router (sharing the journal) delivered completes
 * at the router's next receipt check ({@link LeadRouterBuilder#receiptCheck}, about a minute and a half by default).
 * Each call gets futures of its own: cancelling, timing out or completing them changes no other caller's receipt of
 * the lead, nor what the router tells later ones. Callbacks chained without an executor ({@code thenAccept}) run on a
 * thread of the router's (never the journal's writer), so they may route or close; keep them short, or pass an
 * executor of your own ({@code thenAcceptAsync(action, executor)}) for slow work.
 */
public final class RoutingReceipt {
  private final LeadId leadId;
  private final boolean duplicate;
  private final Map<String, CompletableFuture<DeliveryResult>> deliveries;
  private final CompletableFuture<Map<String, DeliveryResult>> all;
  /** The router's own receipt this caller's copy follows (kept reachable by it); null for the router's own. */
  @SuppressWarnings("unused")
  private final RoutingReceipt source;

  RoutingReceipt(LeadId leadId, boolean duplicate, Iterable<String> destinations) {
    this(leadId, duplicate, destinations, null);
  }

  private RoutingReceipt(LeadId leadId, boolean duplicate, Iterable<String> destinations, RoutingReceipt source) {
    this.leadId = Objects.requireNonNull(leadId, "leadId");
    this.duplicate = duplicate;
    this.source = source;
    Map<String, CompletableFuture<DeliveryResult>> m = new LinkedHashMap<>();
    for (String d : destinations) {
      m.put(d, new OwnedFuture<>(this));
    }
    this.deliveries = Collections.unmodifiableMap(m);
    OwnedFuture<Map<String, DeliveryResult>> allFuture = new OwnedFuture<>(this);
    CompletableFuture.allOf(m.values().toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
      if (e != null) {
        allFuture.completeExceptionally(e instanceof java.util.concurrent.CompletionException ce
            && ce.getCause() != null ? ce.getCause() : e);
      } else {
        Map<String, DeliveryResult> results = new LinkedHashMap<>();
        m.forEach((k, f) -> results.put(k, f.join()));
        allFuture.complete(Collections.unmodifiableMap(results));
      }
    });
    this.all = allFuture;
  }

  /**
   * The caller's copy of this (the router's own) receipt: futures of its own that complete as these do. A caller
   * may cancel, time out ({@code orTimeout}) or complete its futures; with the futures shared, that failed every
   * other caller's receipt of the lead and the router's own, whose later copies were then born failed.
   */
  RoutingReceipt copy(boolean asDuplicate) {
    RoutingReceipt copy = new RoutingReceipt(leadId, asDuplicate, deliveries.keySet(), this);
    ReceiptBook.follow(copy, this);
    return copy;
  }

  /** This receipt as seen by a later route() of the same lead: a copy, flagged duplicate. */
  RoutingReceipt asDuplicate() {
    return copy(true);
  }

  /** The lead's id. */
  public LeadId leadId() {
    return leadId;
  }

  /** Whether the lead had been accepted before (this call recorded nothing new). */
  public boolean duplicate() {
    return duplicate;
  }

  /** The destinations the lead goes to. */
  public Set<String> destinations() {
    return deliveries.keySet();
  }

  /** One future per destination. */
  public Map<String, CompletableFuture<DeliveryResult>> deliveries() {
    return deliveries;
  }

  /** Completes when every destination has its result, or exceptionally at the first dead letter. */
  public CompletableFuture<Map<String, DeliveryResult>> allDelivered() {
    return all;
  }

  /** Waits for every delivery: see {@link LeadRouter#routeAndWait(Lead, Duration)}. */
  Map<String, DeliveryResult> await(Duration timeout) {
    try {
      // saturated: a caller waiting "forever" (Duration.ofDays(365_000)) overflowed toNanos() and got an
      // ArithmeticException instead of its results
      return allDelivered().get(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof LeadRouterException lre) {
        throw lre;
      }
      throw new LeadRouterException("delivery of lead " + leadId() + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new LeadRouterException("lead " + leadId() + " is accepted but not yet delivered after " + timeout
          + "; it will still be delivered: check the destinations with inspect/verify");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LeadRouterException("interrupted while waiting for lead " + leadId()
          + " (it is accepted and will still be delivered)");
    }
  }

  boolean isDone() {
    return deliveries.values().stream().allMatch(CompletableFuture::isDone);
  }

  @Override
  public String toString() {
    // the id masked as the router's log lines mask it: a sender may make it of the customer's e-mail or phone
    return "RoutingReceipt[" + Pii.maskLeadId(leadId.value()) + (duplicate ? ", duplicate" : "") + ", " + deliveries.keySet() + "]";
  }

  /** A future that keeps its receipt reachable, so the router keeps tracking it while anyone holds either. */
  private static final class OwnedFuture<T> extends CompletableFuture<T> {
    @SuppressWarnings("unused")
    private final RoutingReceipt owner;

    OwnedFuture(RoutingReceipt owner) {
      this.owner = owner;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new OwnedFuture<>(owner);
    }
  }
}
