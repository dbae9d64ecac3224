package io.leadrouter.cli;

import io.leadrouter.cli.internal.TimeArgument;
import io.leadrouter.journal.DeliveryQuery;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The filters {@code inspect} and {@code replay} share: sink, diagnosis code, and changed since. */
final class DeliveryFilter {
  @Option(names = "--sink", paramLabel = "NAME", description = "only this destination")
  String sink;

  @Option(names = "--code", paramLabel = "CODE", description = "only this Diagnosis code, e.g. FILE_NOT_WRITABLE "
      + "(any case)")
  String code;

  @Option(names = "--since", paramLabel = "TIME", description = "only changed since: an ISO time "
      + "(2026-11-25T10:15:30Z), a date (2026-11-25, UTC) or a duration back from now (30m, 2h, 7d)")
  String since;

  /**
   * Narrows {@code base} by the filters given. {@code known} are the sink names the descriptor and the journal hold:
   * a {@code --sink} naming none of them is a typo, which would select nothing and say "0 dead letters" (or "moved
   * 0" with exit 0) as though all were well.
   */
  DeliveryQuery apply(CommandLine cl, DeliveryQuery base, Set<String> known) {
    DeliveryQuery q = base;
    if (sink != null) {
      if (!known.contains(sink)) {
        throw new CommandLine.ParameterException(cl, "--sink: '" + sink + "' is no sink of the descriptor and has no"
            + " delivery in the journal: give one of " + String.join(", ", new TreeSet<>(known)));
      }
      q = q.destination(sink);
    }
    if (code != null) {
      q = q.diagnosisCode(code(cl));
    }
    if (since != null) {
      q = q.since(sinceTime(cl));
    }
    return q;
  }

  /**
   * Checks {@code --code} and {@code --since}, which need no journal: a command calls it before it opens one, so that
   * a mistake on its own command line is reported first.
   */
  void checkWithoutJournal(CommandLine cl) {
    if (code != null) {
      code(cl);
    }
    if (since != null) {
      sinceTime(cl);
    }
  }

  private Instant sinceTime(CommandLine cl) {
    try {
      return TimeArgument.since(since, Clock.systemUTC());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, "--since: " + e.getMessage());
    }
  }

  /** The code as the journal keeps it (upper case: {@code file_not_writable} selected nothing). */
  private String code(CommandLine cl) {
    String c = code.strip().toUpperCase(Locale.ROOT);
    if (!c.matches("[A-Z][A-Z0-9_]*")) {
      throw new CommandLine.ParameterException(cl, "--code: '" + code + "' is no Diagnosis code: give one as the"
          + " CODE column of 'leadrouter inspect dead-letters' shows it, e.g. FILE_NOT_WRITABLE");
    }
    return c;
  }

  /** Whether any filter is given (they select deliveries: quarantined payloads and erasures have none). */
  boolean any() {
    return sink != null || code != null || since != null;
  }
}
