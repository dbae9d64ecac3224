/**
 * For sink and journal authors: the {@code LeadSinkContract}, {@code RecordMatchingContract} and
 * {@code LeadJournalContract} tests, sample leads, an in-memory sink, a settable clock, a bounded wait
 * ({@code Await}) and hostile loopback peers ({@code ConnectionTrap}, {@code DrippingServer}).
 */
package io.leadrouter.testkit;
