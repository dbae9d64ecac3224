package io.leadrouter.testkit;

import java.util.Objects;
import java.util.Optional;

/**
 * What a sink under {@link LeadSinkContract} cannot do, each with the documented reason. An opt-out replaces the
 * contract's check with a check of the stated limit (e.g. a hand-off sink must report {@code HANDED_OFF}); nothing
 * is skipped silently.
 *
 * @param notIdempotentBecause why redelivery may create a second record (e.g. Web-to-Lead has no upsert), if so
 * @param anonymousRejectedWith the diagnosis code the sink answers for a lead without e-mail, if it rejects them
 * @param notExplainableBecause why the sink does not implement {@code explain} (third-party sinks), if so
 */
public record ContractOptions(Optional<String> notIdempotentBecause, Optional<String> anonymousRejectedWith,
    Optional<String> notExplainableBecause) {
  /** Checks parts are present. */
  public ContractOptions {
    Objects.requireNonNull(notIdempotentBecause, "notIdempotentBecause");
    Objects.requireNonNull(anonymousRejectedWith, "anonymousRejectedWith");
    Objects.requireNonNull(notExplainableBecause, "notExplainableBecause");
  }

  /** No opt-outs: the sink does everything the contract checks. */
  public static ContractOptions full() {
    return new ContractOptions(Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** States that redelivery is not idempotent, and why. */
  public ContractOptions notIdempotent(String reason) {
    return new ContractOptions(Optional.of(reason), anonymousRejectedWith, notExplainableBecause);
  }

  /** States that leads without e-mail are rejected permanently with this diagnosis code. */
  public ContractOptions rejectsAnonymousWith(String diagnosisCode) {
    return new ContractOptions(notIdempotentBecause, Optional.of(diagnosisCode), notExplainableBecause);
  }

  /** States that the sink keeps the SPI's default {@code explain} ("not explainable"), and why. */
  public ContractOptions notExplainable(String reason) {
    return new ContractOptions(notIdempotentBecause, anonymousRejectedWith, Optional.of(reason));
  }
}
