package io.leadrouter.internal.journal;

import io.leadrouter.ErasureReceipt;
import io.leadrouter.journal.JournalException;
import java.util.Objects;

/**
 * An erasure whose rows are deleted and whose receipt is committed, but whose old copies the database could not yet
 * overwrite (SQLite: another connection reading the file blocked the truncating checkpoint, so the journal file and its
 * -wal still hold them). The eraser finishes the erasure (the sinks' copies, the receipt) and then tells its caller to
 * erase again, which runs the overwrite once more. Internal.
 */
public final class ErasureNotFlushedException extends JournalException {
  private static final long serialVersionUID = 1L;
  private final transient ErasureReceipt receipt;
  private final String residue;

  ErasureNotFlushedException(ErasureReceipt receipt, String residue, Throwable cause) {
    super("the person's rows are erased from the journal (erasure receipt " + receipt.id() + "), but not yet from " + residue
        + ": erase again once that is done (it is safe to repeat)", cause);
    this.receipt = Objects.requireNonNull(receipt, "receipt");
    this.residue = residue;
  }

  /** The erasure's receipt, as committed. */
  public ErasureReceipt receipt() {
    return receipt;
  }

  /** Where the person's data may remain, and why: what the eraser lists among the places not yet erased. */
  public String residue() {
    return residue;
  }
}
