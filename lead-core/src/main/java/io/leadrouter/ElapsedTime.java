package io.leadrouter;

/**
 * The time that really passed, told by a clock given to {@link LeadRouterBuilder#clock}: the router counts the ages its
 * policies set ({@code giveUpAfter}, {@code fallbackAfter}) in it, so the clock moved without time passing (set by an
 * operator, an NTP step, a test's jump) ages no lead. A clock that does not implement it is measured against
 * {@link System#nanoTime}, as the system clock is.
 */
public interface ElapsedTime {
  /** Nanoseconds of elapsed time, as {@link System#nanoTime}: only the difference between two readings counts. */
  long elapsedNanos();
}
