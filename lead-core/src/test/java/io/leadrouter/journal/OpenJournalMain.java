package io.leadrouter.journal;

import java.nio.file.Path;

/** Run in a second JVM by {@link SecondProcessTest}: opens the journal and prints what happened. */
public final class OpenJournalMain {
  private OpenJournalMain() {}

  /** Opens the journal named by the first argument. */
  public static void main(String[] args) {
    try (LeadJournal j = SqliteJournal.open(Path.of(args[0]))) {
      System.out.println("OPENED");
    } catch (JournalException e) {
      System.out.println("REFUSED: " + e.getMessage());
    }
  }
}
