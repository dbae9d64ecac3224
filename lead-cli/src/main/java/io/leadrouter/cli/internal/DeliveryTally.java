package io.leadrouter.cli.internal;

import io.leadrouter.journal.DeliveryRecord;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** Counts deliveries per destination by what became of them: delivered, pending, retrying, parked, dead-lettered. */
public final class DeliveryTally {
  private final Map<String, long[]> byDestination = new TreeMap<>();
  private static final int DELIVERED = 0;
  private static final int HANDED_OFF = 1;
  private static final int PENDING = 2;
  private static final int RETRYING = 3;
  private static final int PARKED = 4;
  private static final int DEAD = 5;

  /** Counts one delivery as the journal holds it. */
  public void add(DeliveryRecord r) {
    Objects.requireNonNull(r, "r");
    long[] c = byDestination.computeIfAbsent(r.destination(), k -> new long[6]);
    c[slot(r)]++;
  }

  /** How many deliveries were dead-lettered, over all destinations. */
  public long deadLettered() {
    return byDestination.values().stream().mapToLong(c -> c[DEAD]).sum();
  }

  /** How many deliveries are not settled yet (pending, retrying, parked), over all destinations. */
  public long unsettled() {
    return byDestination.values().stream().mapToLong(c -> c[PENDING] + c[RETRYING] + c[PARKED]).sum();
  }

  /** Whether nothing was counted. */
  public boolean isEmpty() {
    return byDestination.isEmpty();
  }

  /** Prints one line per destination, e.g. {@code   local: 8 delivered, 0 retrying, 0 dead-lettered}. */
  public void print(PrintWriter out, String indent) {
    byDestination.forEach((name, c) -> {
      StringBuilder b = new StringBuilder(indent).append(name).append(": ").append(c[DELIVERED]).append(" delivered");
      if (c[HANDED_OFF] > 0) {
        b.append(", ").append(c[HANDED_OFF]).append(" handed off (unconfirmed)");
      }
      if (c[PENDING] > 0) {
        b.append(", ").append(c[PENDING]).append(" pending");
      }
      b.append(", ").append(c[RETRYING]).append(" retrying");
      if (c[PARKED] > 0) {
        b.append(", ").append(c[PARKED]).append(" parked (quota)");
      }
      b.append(", ").append(c[DEAD]).append(" dead-lettered");
      out.println(b);
    });
  }

  private static int slot(DeliveryRecord r) {
    return switch (r.state()) {
      case DELIVERED -> DELIVERED;
      case HANDED_OFF -> HANDED_OFF;
      case PARKED -> PARKED;
      case DEAD -> DEAD;
      case PENDING, IN_FLIGHT -> r.attempts() > 0 ? RETRYING : PENDING;
    };
  }
}
