package io.leadrouter.spring.internal;

import io.leadrouter.LeadRouter;
import java.time.Duration;
import java.util.Objects;
import org.springframework.context.SmartLifecycle;

/**
 * Closes the router gracefully when the application context stops: in-flight deliveries get up to the shutdown
 * timeout to finish; whatever is not delivered stays in the journal for the next start. It stops after the web
 * server (a lower phase stops later), so requests still being answered can route their leads. Internal: not API.
 */
public final class LeadRouterLifecycle implements SmartLifecycle {
  /** Below the web server's start/stop phase ({@code DEFAULT_PHASE - 2048}), so the router stops after it. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final LeadRouter router;
  private final Duration timeout;
  private volatile boolean running;

  /** A lifecycle closing {@code router} within {@code timeout}. */
  public LeadRouterLifecycle(LeadRouter router, Duration timeout) {
    this.router = Objects.requireNonNull(router, "router");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  @Override
  public void start() {
    running = true; // the router delivers from the moment it is built
  }

  @Override
  public void stop() {
    running = false;
    router.close(timeout);
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
