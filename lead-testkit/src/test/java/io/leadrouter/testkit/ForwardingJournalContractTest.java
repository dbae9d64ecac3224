package io.leadrouter.testkit;

import io.leadrouter.journal.ForwardingLeadJournal;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.LeadJournal;

/** A journal that only forwards keeps every promise of the one it forwards to. */
class ForwardingJournalContractTest extends LeadJournalContract {
  @Override
  protected LeadJournal openJournal() {
    return new ForwardingLeadJournal(InMemoryJournal.create()) { };
  }
}
