package io.leadrouter.spi;

/**
 * Named counters a sink keeps across restarts, stored in the router's journal per destination (say, how many
 * requests a daily allowance has left): a counter in memory forgets at a restart and spends the allowance twice.
 * Thread-safe; every call is one journal write or read.
 */
public interface SinkCounters {

  /** Adds one to counter {@code name} unless it already reached {@code limit}; returns whether it did. */
  boolean incrementBelow(String name, long limit);

  /** Subtracts one from counter {@code name}, never below zero (a reserved slot that was not used). */
  void decrement(String name);

  /** Counter {@code name}'s value; zero if it was never counted. */
  long get(String name);

  /**
   * Raises counter {@code name} to {@code value} unless it already holds more, and returns what it holds after: a
   * moment a sink must remember across restarts (say, until when, in epoch seconds, a customer's leads wait for a
   * write whose answer was lost), kept as the latest one asked for. The default, for counters written before this
   * method, throws {@link UnsupportedOperationException}; a sink then keeps the moment in memory.
   */
  default long raiseTo(String name, long value) {
    throw new UnsupportedOperationException("these counters cannot keep a value (" + getClass().getName() + ")");
  }
}
