package io.leadrouter.journal;

/**
 * A destination's rate limit kept in a shared journal, so every router on that journal together stays within it
 * (see {@link LeadJournal#sharedRateLimiter}). Thread-safe.
 */
public interface SharedRateLimiter {

  /**
   * Takes one permit (one call to the destination), waiting until the shared limit allows it.
   *
   * @throws InterruptedException if interrupted while waiting
   * @throws JournalException if the journal cannot be reached (the caller retries later)
   */
  void acquire() throws InterruptedException;
}
