package io.leadrouter.testkit;

import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

class SqliteJournalContractTest extends LeadJournalContract {
  @TempDir Path dir;
  private final AtomicInteger files = new AtomicInteger();

  @Override
  protected LeadJournal openJournal() {
    return SqliteJournal.open(dir.resolve("j" + files.incrementAndGet() + ".db"));
  }
}
