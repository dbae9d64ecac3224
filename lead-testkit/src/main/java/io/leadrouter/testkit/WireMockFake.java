package io.leadrouter.testkit;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fake destination on a WireMock server, as a JUnit 5 extension: registered in a static {@code @RegisterExtension}
 * field, it starts once per test class (if it is not running yet), is {@link #reset()} before each test and stops
 * after the class. The class's {@code @Nested} classes inherit the extension and share the server: they end before
 * their outer class, so only the outermost class stops it.
 */
public abstract class WireMockFake implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback, AutoCloseable {
  /** The fake's server. */
  protected abstract WireMockServer server();

  /** Back to a healthy destination holding nothing, with no requests recorded (before each test). */
  public abstract void reset();

  @Override
  public void beforeAll(ExtensionContext context) {
    if (!server().isRunning()) {
      server().start();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    reset();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (!context.getTestClass().map(c -> c.isAnnotationPresent(Nested.class)).orElse(false)) {
      close();
    }
  }

  /** Stops the server. */
  @Override
  public void close() {
    server().stop();
  }
}
