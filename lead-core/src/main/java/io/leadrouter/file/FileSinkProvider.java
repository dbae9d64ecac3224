package io.leadrouter.file;

import io.leadrouter.spi.BuilderSinkProvider;

/** Creates {@link FileSink}s: {@code type: file}, setting {@code path} (the JSON-lines file to append to). */
public final class FileSinkProvider extends BuilderSinkProvider<FileSink.Builder> {
  /** The type name in descriptors. */
  public static final String TYPE = "file";

  /** Used by {@link java.util.ServiceLoader}; maps {@code path} onto {@link FileSink.Builder}, which checks it. */
  public FileSinkProvider() {
    super(TYPE, FileSink::builder, (config, b) -> config.filePath("path").ifPresent(b::path), FileSink.Builder::build);
  }
}
