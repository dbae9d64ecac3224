package io.leadrouter.cli;

import io.leadrouter.cli.internal.TimeArgument;
import io.leadrouter.journal.DeliveryQuery;
import java.time.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The filters {@code inspect} and {@code replay} share: sink, diagnosis code, and changed since. */
final class DeliveryFilter {
  @Option(names = "--sink", paramLabel = "NAME", description = "only this destination")
  String sink;

  @Option(names = "--code", paramLabel = "CODE", description = "only this Diagnosis code, e.g. FILE_NOT_WRITABLE")
  String code;

  @Option(names = "--since", paramLabel = "TIME", description = "only changed since: an ISO time "
      + "(2026-11-25T10:15:30Z), a date (2026-11-25, UTC) or a duration back from now (30m, 2h, 7d)")
  String since;

  /** Narrows {@code base} by the filters given. */
  DeliveryQuery apply(CommandLine cl, DeliveryQuery base) {
    DeliveryQuery q = base;
    if (sink != null) {
      q = q.destination(sink);
    }
    if (code != null) {
      q = q.diagnosisCode(code);
    }
    if (since != null) {
      try {
        q = q.since(TimeArgument.since(since, Clock.systemUTC()));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cl, "--since: " + e.getMessage());
      }
    }
    return q;
  }
}
