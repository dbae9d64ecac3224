/**
 * Where accepted leads live until delivered: the {@code LeadJournal} interface, the SQLite journal, the in-memory
 * journal for tests, and the records of deliveries and settlements.
 */
package io.leadrouter.journal;
