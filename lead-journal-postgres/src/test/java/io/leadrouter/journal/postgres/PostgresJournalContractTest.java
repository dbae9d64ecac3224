package io.leadrouter.journal.postgres;

import io.leadrouter.journal.LeadJournal;
import io.leadrouter.testkit.LeadJournalContract;

class PostgresJournalContractTest extends LeadJournalContract {
  @Override
  protected LeadJournal openJournal() {
    return PostgresJournal.builder(PostgresServer.dataSource("contract")).schema(PostgresServer.newSchema()).build();
  }
}
