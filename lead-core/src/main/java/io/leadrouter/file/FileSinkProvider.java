package io.leadrouter.file;

import io.leadrouter.spi.BuilderSinkProvider;

/**
 * Creates {@link FileSink}s: {@code type: file}, settings {@code path} (the JSON-lines file to append to) and
 * {@code rotatedFiles} (where a rotation moves it: see {@link FileSink.Builder#rotatedFiles}).
 */
public final class FileSinkProvider extends BuilderSinkProvider<FileSink.Builder> {
  /** The type name in descriptors. */
  public static final String TYPE = "file";

  /** Used by {@link java.util.ServiceLoader}; maps {@code path} onto {@link FileSink.Builder}, which checks it. */
  public FileSinkProvider() {
    super(TYPE, FileSink::builder, (config, b) -> {
      config.filePath("path").ifPresent(b::path);
      config.optionalString("rotatedFiles").ifPresent(b::rotatedFiles);
    }, FileSink.Builder::build);
  }
}
