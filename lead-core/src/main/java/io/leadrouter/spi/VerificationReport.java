package io.leadrouter.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of a sink's publish check ({@link LeadSink#verify()}): each step (auth, permissions, test lead) with
 * its outcome and, on failure, a {@link Diagnosis}.
 *
 * @param sinkType the sink's type, e.g. {@code dynamics}
 * @param steps the steps in the order they ran
 */
public record VerificationReport(String sinkType, List<Step> steps) {
  /** Copies the steps. */
  public VerificationReport {
    Objects.requireNonNull(sinkType, "sinkType");
    steps = List.copyOf(steps);
  }

  /** Whether no step failed (warnings allowed). */
  public boolean passed() {
    return steps.stream().noneMatch(s -> s.status() == Status.FAILED);
  }

  /** The steps that failed. */
  public List<Step> failures() {
    return steps.stream().filter(s -> s.status() == Status.FAILED).toList();
  }

  /** A builder for a sink of the given type. */
  public static Builder builder(String sinkType) {
    return new Builder(sinkType);
  }

  /** How a step ended. */
  public enum Status {
    /** The step succeeded. */
    PASSED,
    /** The step succeeded but something needs attention. */
    WARNING,
    /** The step failed; the diagnosis says what to fix. */
    FAILED,
    /** The step was not run (an earlier step failed). */
    SKIPPED
  }

  /**
   * One step of the check.
   *
   * @param name short name, e.g. {@code token}, {@code whoami}, {@code test lead}
   * @param status how it ended
   * @param detail what was checked or seen (scrubbed: it may quote what the destination answered)
   * @param diagnosis what to fix, for failures and warnings
   */
  public record Step(String name, Status status, String detail, Optional<Diagnosis> diagnosis) {
    /** Checks the parts are present; scrubs the detail with {@link Scrubber#standard()}, as a diagnosis is. */
    public Step {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(status, "status");
      detail = Scrubber.standard().scrub(Objects.requireNonNull(detail, "detail"));
      Objects.requireNonNull(diagnosis, "diagnosis");
    }
  }

  /** Collects steps. */
  public static final class Builder {
    private final String sinkType;
    private final List<Step> steps = new ArrayList<>();

    private Builder(String sinkType) {
      this.sinkType = Objects.requireNonNull(sinkType, "sinkType");
    }

    /** Records a step that passed. */
    public Builder passed(String name, String detail) {
      steps.add(new Step(name, Status.PASSED, detail, Optional.empty()));
      return this;
    }

    /** Records a step that passed with something to look at. */
    public Builder warning(String name, Diagnosis diagnosis) {
      steps.add(new Step(name, Status.WARNING, diagnosis.message(), Optional.of(diagnosis)));
      return this;
    }

    /** Records a step that failed. */
    public Builder failed(String name, Diagnosis diagnosis) {
      steps.add(new Step(name, Status.FAILED, diagnosis.message(), Optional.of(diagnosis)));
      return this;
    }

    /** Records a step not run. */
    public Builder skipped(String name, String why) {
      steps.add(new Step(name, Status.SKIPPED, why, Optional.empty()));
      return this;
    }

    /** Whether a step has failed so far (later steps are usually skipped then). */
    public boolean hasFailed() {
      return steps.stream().anyMatch(s -> s.status() == Status.FAILED);
    }

    /** Builds the report. */
    public VerificationReport build() {
      return new VerificationReport(sinkType, steps);
    }
  }
}
