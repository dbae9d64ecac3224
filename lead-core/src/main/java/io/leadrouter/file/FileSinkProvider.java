package io.leadrouter.file;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.SinkConfig;
import java.nio.file.Path;
import java.util.Optional;

/** Creates {@link FileSink}s: {@code type: file}, setting {@code path} (the JSON-lines file to append to). */
public final class FileSinkProvider implements LeadSinkProvider {
  /** The type name in descriptors. */
  public static final String TYPE = "file";

  /** Used by {@link java.util.ServiceLoader}. */
  public FileSinkProvider() {}

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public LeadSink create(SinkConfig config) {
    Optional<Path> path = config.filePath("path");
    if (path.isEmpty() && config.optionalString("path").isEmpty()) {
      config.string("path"); // records "is required"
    }
    config.validate();
    return FileSink.open(path.orElseThrow());
  }
}
