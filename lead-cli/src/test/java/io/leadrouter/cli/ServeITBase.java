package io.leadrouter.cli;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests of a running {@code leadrouter serve} share: a folder per test, the serve processes (killed after each
 * test, so a failed assertion never leaves a server holding the journal or a port) and the token of the lead URL.
 */
abstract class ServeITBase {
  /** The token in the lead URL ({@code /leads/TOKEN}) of the servers {@link #start} starts. */
  static final String TOKEN = "it-token-5f2b9c1d7e3a4b6c";

  @TempDir
  Path dir;

  @RegisterExtension
  final ServeProcesses servers = new ServeProcesses();

  /** Starts {@code leadrouter serve} on {@code descriptor} in {@link #dir} with {@link #TOKEN} and {@code extra}. */
  Jar.Serve start(String descriptor, String... extra) throws InterruptedException {
    return servers.withToken(dir, descriptor, TOKEN, extra);
  }
}
