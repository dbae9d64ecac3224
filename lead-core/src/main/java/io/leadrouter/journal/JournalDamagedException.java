package io.leadrouter.journal;

/**
 * The journal's file is damaged (SQLite: {@code SQLITE_CORRUPT} or {@code SQLITE_NOTADB}, or a failed integrity
 * check at open). Fatal for intake: once seen, the journal accepts and delivers nothing more, so no lead is promised
 * on a file that may not keep it. The message names the file and the recovery (see the README, "Recovering a
 * damaged journal").
 */
public final class JournalDamagedException extends JournalException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public JournalDamagedException(String message) {
    super(message);
  }

  /** Creates the exception with its cause. */
  public JournalDamagedException(String message, Throwable cause) {
    super(message, cause);
  }
}
