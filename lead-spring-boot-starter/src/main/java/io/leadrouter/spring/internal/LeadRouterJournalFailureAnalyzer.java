package io.leadrouter.spring.internal;

import io.leadrouter.journal.JournalException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a journal that cannot be opened at start-up (in use by another router, a folder, read-only, damaged, a
 * database refusing the user) into Spring Boot's "APPLICATION FAILED TO START" report: the journal's own message,
 * which says what to do, and the settings that choose the journal. Internal: not API.
 */
public final class LeadRouterJournalFailureAnalyzer extends AbstractFailureAnalyzer<JournalException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, JournalException cause) {
    String description = "The LeadRouter journal cannot be opened: " + cause.getMessage();
    String action = "Do what the message above says, or point the router at another journal: the journal is set by"
        + " leadrouter.journal.type and leadrouter.journal.path (SQLite) or leadrouter.journal.url (PostgreSQL), or"
        + " by the journal section of the file named by leadrouter.descriptor. A SQLite journal file serves one"
        + " router at a time: another application context, instance or `leadrouter serve` on the same file needs"
        + " its own file, or all of them the PostgreSQL journal.";
    return new FailureAnalysis(description, action, cause);
  }
}
