package io.leadrouter.file;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.SinkConfig;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Creates {@link FileSink}s: {@code type: file}, setting {@code path} (the JSON-lines file to append to). */
public final class FileSinkProvider implements LeadSinkProvider {
  /** The type name in descriptors. */
  public static final String TYPE = "file";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public LeadSink create(SinkConfig config) {
    String text = config.string("path");
    Path path = null;
    try {
      path = text.isEmpty() ? null : Path.of(text);
    } catch (InvalidPathException e) {
      config.problem("path", "'" + text + "' is not a valid path: " + e.getReason(), "use a file path");
    }
    config.validate();
    return FileSink.open(path);
  }
}
