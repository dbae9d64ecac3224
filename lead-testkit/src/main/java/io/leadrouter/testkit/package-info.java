/**
 * For sink and journal authors: the {@code LeadSinkContract}, {@code RecordMatchingContract} and
 * {@code LeadJournalContract} tests, sample leads, an in-memory sink and a settable clock.
 */
package io.leadrouter.testkit;
