package io.leadrouter.https.internal;

import io.leadrouter.spi.Require;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of leads this sink instance saw acknowledged, least recently used dropped first, so memory stays bounded.
 * Lets the sink report a redelivery as {@code UPDATED}. Thread-safe.
 */
public final class RecentIds {
  private final Map<String, Boolean> ids;

  /** Remembers at most {@code capacity} ids. */
  public RecentIds(int capacity) {
    Require.atLeast(capacity, 1, "capacity");
    this.ids = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > capacity;
      }
    };
  }

  /** Records an acknowledged id; returns whether it had been acknowledged before (and is still remembered). */
  public synchronized boolean acknowledge(String id) {
    return ids.put(id, Boolean.TRUE) != null;
  }

  /** How many ids are remembered. */
  public synchronized int size() {
    return ids.size();
  }
}
