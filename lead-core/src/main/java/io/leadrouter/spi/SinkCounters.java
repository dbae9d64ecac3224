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
}
