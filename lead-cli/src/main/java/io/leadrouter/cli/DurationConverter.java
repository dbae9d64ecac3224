package io.leadrouter.cli;

import io.leadrouter.cli.internal.TimeArgument;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads durations on the command line: {@code 30s}, {@code 5m}, {@code 2h} or ISO-8601. */
final class DurationConverter implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    try {
      return TimeArgument.duration(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
