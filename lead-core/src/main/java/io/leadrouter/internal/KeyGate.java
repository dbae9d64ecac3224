package io.leadrouter.internal;

import io.leadrouter.Lead;
import io.leadrouter.journal.ClaimedDelivery;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One customer at a time per destination: deliveries sharing a business key (the normalised e-mail, or the LeadId of
 * an anonymous lead) are never in flight together and go in the order they were claimed (acceptance order for
 * fresh leads); other keys pass at once. CRMs merge by e-mail, and two concurrent upserts of one person create two
 * records (Adobe warns of exactly this for Marketo). Deliveries held here stay claimed in the journal (leased), so
 * no other worker takes them; one held for longer than half its lease is given back ({@link #expire}) before its
 * lease can end. Thread-safe. Not API.
 */
final class KeyGate {
  /** A held delivery, with when it was claimed ({@link System#nanoTime}): its lease runs while it waits here. */
  private record Held(ClaimedDelivery delivery, long claimedNanos) {}

  /** What may go now, and when the oldest of it was claimed (for the worker's half-lease guard). */
  record Admitted(List<ClaimedDelivery> go, long claimedNanos) {}

  private final Set<String> inFlight = new HashSet<>();
  private final Map<String, ArrayDeque<Held>> waiting = new HashMap<>();
  private final ArrayDeque<Held> ready = new ArrayDeque<>();
  private int held;

  /** The business key of a lead ({@link CustomerKey}). */
  static String key(Lead lead) {
    return CustomerKey.of(lead);
  }

  /**
   * Admits deliveries claimed at {@code claimedNanos}, in order: returns those free to go now (marking their keys in
   * flight), first those released by finished deliveries with their own older claim time; the others wait behind the
   * delivery of their key in flight.
   */
  synchronized Admitted admit(List<ClaimedDelivery> claimed, long claimedNanos) {
    List<ClaimedDelivery> go = new ArrayList<>(claimed.size() + ready.size());
    long oldest = claimedNanos;
    for (Held h; (h = ready.poll()) != null; ) {
      go.add(h.delivery()); // released by finished deliveries: their keys are already marked in flight
      oldest = h.claimedNanos() - oldest < 0 ? h.claimedNanos() : oldest;
    }
    for (ClaimedDelivery c : claimed) {
      String k = key(c.lead());
      if (inFlight.add(k)) {
        go.add(c);
      } else {
        waiting.computeIfAbsent(k, x -> new ArrayDeque<>()).add(new Held(c, claimedNanos));
        held++;
      }
    }
    return new Admitted(go, oldest);
  }

  /**
   * The deliveries finished: their keys' next waiting delivery (if any) becomes ready, its key staying in flight.
   *
   * @return whether any delivery became ready (the worker should look again)
   */
  synchronized boolean finished(List<ClaimedDelivery> done) {
    boolean any = false;
    for (ClaimedDelivery c : done) {
      String k = key(c.lead());
      ArrayDeque<Held> q = waiting.get(k);
      if (q == null) {
        inFlight.remove(k);
        continue;
      }
      ready.add(q.poll());
      held--;
      any = true;
      if (q.isEmpty()) {
        waiting.remove(k);
      }
    }
    return any;
  }

  /**
   * Takes out every held delivery of each customer that has one claimed before {@code staleBefore}
   * ({@link System#nanoTime}), in order, for the journal to take back: held on, its lease could end here and a second
   * claim deliver it again. A customer whose released delivery goes back has nothing in flight any more.
   */
  synchronized List<ClaimedDelivery> expire(long staleBefore) {
    if (held == 0 && ready.isEmpty()) {
      return List.of();
    }
    Set<String> stale = new HashSet<>();
    for (Held h : ready) {
      if (h.claimedNanos() - staleBefore < 0) {
        stale.add(key(h.delivery().lead()));
      }
    }
    waiting.forEach((k, q) -> {
      if (q.stream().anyMatch(h -> h.claimedNanos() - staleBefore < 0)) {
        stale.add(k);
      }
    });
    if (stale.isEmpty()) {
      return List.of();
    }
    List<ClaimedDelivery> out = new ArrayList<>();
    for (java.util.Iterator<Held> it = ready.iterator(); it.hasNext(); ) {
      Held h = it.next();
      String k = key(h.delivery().lead());
      if (stale.contains(k)) {
        it.remove();
        out.add(h.delivery());
        inFlight.remove(k); // it was released by a finished delivery: none of this customer's is in flight now
      }
    }
    for (String k : stale) {
      ArrayDeque<Held> q = waiting.remove(k);
      if (q != null) {
        q.forEach(h -> out.add(h.delivery()));
        held -= q.size();
      }
    }
    return out;
  }

  /** Whether a delivery released by {@link #finished} waits to be handed out ({@link #admit} of nothing). */
  synchronized boolean hasReady() {
    return !ready.isEmpty();
  }

  /** Deliveries held back or ready, not yet handed out. */
  synchronized int held() {
    return held + ready.size();
  }

  /** Empties the gate (the worker is closing): what was held or ready, for the journal to take back. */
  synchronized List<ClaimedDelivery> drain() {
    List<ClaimedDelivery> out = new ArrayList<>();
    ready.forEach(h -> out.add(h.delivery()));
    waiting.values().forEach(q -> q.forEach(h -> out.add(h.delivery())));
    ready.clear();
    waiting.clear();
    inFlight.clear();
    held = 0;
    return out;
  }
}
