package io.leadrouter.spi;

import java.time.Instant;

/**
 * Named counters a sink keeps across restarts, stored in the router's journal per destination (say, how many
 * requests a daily allowance has left): a counter in memory forgets at a restart and spends the allowance twice.
 * Thread-safe; every call is one journal write or read.
 *
 * <p>A counter whose purpose passes (a day's count once the day is over, a moment once it has passed) should be
 * written with the moment after which it is no longer needed ({@code forgetAfter}): the router's hourly maintenance
 * deletes it then, so the journal does not keep one row per day, or per event, for ever. A counter written without
 * one is kept. The moment only ever moves later, in the same write as the value, so a counter in use is never
 * deleted under its sink: until {@code forgetAfter} it stays, and a write after it was deleted starts it afresh.
 */
public interface SinkCounters {

  /** Adds one to counter {@code name} unless it already reached {@code limit}; returns whether it did. */
  boolean incrementBelow(String name, long limit);

  /**
   * {@link #incrementBelow(String, long)} for a counter no longer needed after {@code forgetAfter} (see the class
   * comment). The default, for counters written before this method, ignores the moment: the counter is kept.
   */
  default boolean incrementBelow(String name, long limit, Instant forgetAfter) {
    return incrementBelow(name, limit);
  }

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

  /**
   * {@link #raiseTo(String, long)} for a moment no longer needed after {@code forgetAfter} (see the class comment).
   * The default, for counters written before this method, ignores {@code forgetAfter}: the counter is kept.
   */
  default long raiseTo(String name, long value, Instant forgetAfter) {
    return raiseTo(name, value);
  }
}
