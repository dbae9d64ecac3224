package io.leadrouter.cli;

import io.leadrouter.cli.internal.TimeArgument;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads durations on the command line: {@code 30s}, {@code 5m}, {@code 2h} or ISO-8601, at most {@link #MAX}. */
final class DurationConverter implements ITypeConverter<Duration> {
  /**
   * The longest duration an option takes ({@code --wait}, serve's timeouts): {@code --wait 999999999d} overflowed
   * into an unexpected error after the leads were routed; no wait or timeout of a command needs more than a day.
   */
  static final Duration MAX = Duration.ofHours(24);

  @Override
  public Duration convert(String value) {
    Duration d;
    try {
      d = TimeArgument.duration(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
    if (d.compareTo(MAX) > 0) {
      throw new TypeConversionException("'" + value + "' is over the maximum of 24h: give at most 24h (a wait or a"
          + " timeout of a command is seconds or minutes; 'serve' delivers without waiting)");
    }
    return d;
  }
}
