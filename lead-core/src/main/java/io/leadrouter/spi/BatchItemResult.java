package io.leadrouter.spi;

import io.leadrouter.LeadId;
import java.util.Objects;
import java.util.Optional;

/**
 * The result for one lead of a batch: a {@link DeliveryResult} or a {@link DeliveryException}, never both. One bad
 * record fails only itself.
 *
 * @param leadId the lead this result is for
 * @param result the success, if it succeeded
 * @param failure the failure, if it failed
 */
public record BatchItemResult(LeadId leadId, Optional<DeliveryResult> result, Optional<DeliveryException> failure) {
  /** Checks that exactly one of result and failure is present. */
  public BatchItemResult {
    Objects.requireNonNull(leadId, "leadId");
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(failure, "failure");
    if (result.isPresent() == failure.isPresent()) {
      throw new IllegalArgumentException("exactly one of result and failure must be present");
    }
  }

  /** A success. */
  public static BatchItemResult success(LeadId leadId, DeliveryResult result) {
    return new BatchItemResult(leadId, Optional.of(result), Optional.empty());
  }

  /** A failure. */
  public static BatchItemResult failure(LeadId leadId, DeliveryException failure) {
    return new BatchItemResult(leadId, Optional.empty(), Optional.of(failure));
  }

  /** Whether this lead was delivered. */
  public boolean succeeded() {
    return result.isPresent();
  }
}
