package io.leadrouter;

import java.util.List;
import java.util.Objects;

/**
 * An erasure that was done only in part: the journal's rows are erased and the receipt is committed, but some place
 * still holds the person's data (the journal's files, a checkpoint blocked by another reader; a sink's copy that could
 * not be erased). {@link #receipt()} says what was erased, the erased lead ids included (the caller needs them to find
 * the CRMs' records, and they are not kept anywhere else); the message names what is left and the fix. Erasing again
 * is safe and finishes it.
 */
public final class ErasureIncompleteException extends LeadRouterException {
  private static final long serialVersionUID = 1L;
  private final transient ErasureReceipt receipt;
  private final List<String> remaining;

  ErasureIncompleteException(ErasureReceipt receipt, List<String> remaining) {
    super("the person's data is erased from the journal (receipt " + receipt.id() + "), but not yet from: "
        + String.join("; ", remaining) + ". Fix that and erase again (it is safe to repeat)");
    this.receipt = Objects.requireNonNull(receipt, "receipt");
    this.remaining = List.copyOf(remaining);
  }

  /** What was erased, as committed and completed with the sinks' rows; its erased lead ids are returned only here. */
  public ErasureReceipt receipt() {
    return receipt;
  }

  /** Each place that may still hold the person's data, and why (scrubbed as the message is). */
  public List<String> remaining() {
    return remaining.stream().map(io.leadrouter.internal.MessageScrub::scrub).toList();
  }
}
