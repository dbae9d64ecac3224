package io.leadrouter.azuretable;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class one of the two Azurites of this test run: started on first use (failing with what to install when
 * Node.js or Azurite is missing), started again before each test if an earlier test stopped it, and stopped
 * (process tree destroyed) when the run ends. By default the one holding its data in memory (fast, and emptied when a
 * test stops it); {@link #persistent()} the one holding its data on disk, for the tests that stop it and need their
 * tables back when it starts again (an outage, not a reset).
 */
final class AzuriteExtension implements BeforeAllCallback, BeforeEachCallback {
  private final boolean persistent;
  private Azurite azurite;

  /** The run's in-memory Azurite. */
  AzuriteExtension() {
    this(false);
  }

  private AzuriteExtension(boolean persistent) {
    this.persistent = persistent;
  }

  /** The run's Azurite whose data survives a stop and start (see {@link Azurite#startPersistent}). */
  static AzuriteExtension persistent() {
    return new AzuriteExtension(true);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    azurite = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(persistent ? Persistent.class : Shared.class,
            k -> persistent ? new Persistent(Azurite.startPersistent()) : new Shared(Azurite.start()),
            Running.class).azurite();
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

  private interface Running extends ExtensionContext.Store.CloseableResource {
    Azurite azurite();

    @Override
    default void close() {
      azurite().close();
    }
  }

  private record Shared(Azurite azurite) implements Running { }

  private record Persistent(Azurite azurite) implements Running { }
}
