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
 * no other worker takes them. Thread-safe. Not API.
 */
final class KeyGate {
  private final Set<String> inFlight = new HashSet<>();
  private final Map<String, ArrayDeque<ClaimedDelivery>> waiting = new HashMap<>();
  private final ArrayDeque<ClaimedDelivery> ready = new ArrayDeque<>();
  private int held;

  /** The business key of a lead ({@link CustomerKey}). */
  static String key(Lead lead) {
    return CustomerKey.of(lead);
  }

  /**
   * Admits claimed deliveries, in order: returns those free to go now (marking their keys in flight); the others
   * wait behind the delivery of their key in flight.
   */
  synchronized List<ClaimedDelivery> admit(List<ClaimedDelivery> claimed) {
    List<ClaimedDelivery> go = new ArrayList<>(claimed.size());
    while (!ready.isEmpty()) {
      go.add(ready.poll()); // released by finished deliveries: their keys are already marked in flight
    }
    for (ClaimedDelivery c : claimed) {
      String k = key(c.lead());
      if (inFlight.add(k)) {
        go.add(c);
      } else {
        waiting.computeIfAbsent(k, x -> new ArrayDeque<>()).add(c);
        held++;
      }
    }
    return go;
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
      ArrayDeque<ClaimedDelivery> q = waiting.get(k);
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
    List<ClaimedDelivery> out = new ArrayList<>(ready);
    waiting.values().forEach(out::addAll);
    ready.clear();
    waiting.clear();
    inFlight.clear();
    held = 0;
    return out;
  }
}
