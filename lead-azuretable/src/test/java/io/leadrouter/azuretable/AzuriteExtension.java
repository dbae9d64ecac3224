package io.leadrouter.azuretable;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class the one Azurite of this test run: started on first use (failing with what to install when
 * Node.js or Azurite is missing), started again before each test if an earlier test stopped it, and stopped
 * (process tree destroyed) when the run ends.
 */
final class AzuriteExtension implements BeforeAllCallback, BeforeEachCallback {
  private Azurite azurite;

  @Override
  public void beforeAll(ExtensionContext context) {
    azurite = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(Shared.class, k -> new Shared(Azurite.start()), Shared.class).azurite;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    azurite.ensureRunning();
  }

  /** The running Azurite. */
  Azurite azurite() {
    if (azurite == null) {
      throw new IllegalStateException("register AzuriteExtension as a static @RegisterExtension field");
    }
    return azurite;
  }

  private record Shared(Azurite azurite) implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      azurite.close();
    }
  }
}
