package io.leadrouter.testkit;

import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.LeadJournal;

/** The in-memory journal (tests only) keeps the same contract, erasure included. */
class InMemoryJournalContractTest extends LeadJournalContract {
  @Override
  protected LeadJournal openJournal() {
    return InMemoryJournal.create();
  }
}
