package io.leadrouter.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@code leadrouter serve} processes a test starts, killed after each test (register it with
 * {@code @RegisterExtension}), so that a failed assertion never leaves a server holding the journal or a port.
 */
final class ServeProcesses implements AfterEachCallback {
  /** The variable that carries the token to {@code --token-env}. */
  static final String TOKEN_ENV = "LR_TOKEN";

  private final List<Process> started = new ArrayList<>();

  /**
   * Starts {@code leadrouter serve --descriptor DESCRIPTOR --port 0 --token-env LR_TOKEN extra...} in {@code dir} with
   * {@code token} in that variable, and waits (bounded) until it listens.
   */
  Jar.Serve withToken(Path dir, String descriptor, String token, String... extra) throws InterruptedException {
    List<String> args = new ArrayList<>(List.of("--token-env", TOKEN_ENV));
    args.addAll(List.of(extra));
    return start(dir, descriptor, Map.of(TOKEN_ENV, token), args);
  }

  /**
   * Starts {@code leadrouter serve --descriptor DESCRIPTOR --port 0 args...} in {@code dir} with the extra
   * environment {@code env}, and waits (bounded) until it listens.
   */
  Jar.Serve start(Path dir, String descriptor, Map<String, String> env, List<String> args)
      throws InterruptedException {
    List<String> all = new ArrayList<>(List.of("--descriptor", descriptor, "--port", "0"));
    all.addAll(args);
    Jar.Serve s = Jar.serve(dir, env, all);
    started.add(s.process());
    return s;
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    started.clear();
  }
}
