package io.leadrouter.spring.internal;

import io.leadrouter.LeadRouter;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.springframework.context.SmartLifecycle;

/**
 * Closes the router gracefully when the application context stops: in-flight deliveries get up to the shutdown
 * timeout to finish; whatever is not delivered stays in the journal for the next start. It stops after the web
 * server (a lower phase stops later), so requests still being answered can route their leads. Every
 * {@code LeadRouter} bean of the context is closed this way, the application's own too; the timeout is shared, not
 * given to each in turn. Internal: not API.
 */
public final class LeadRouterLifecycle implements SmartLifecycle {
  /** Below the web server's start/stop phase ({@code DEFAULT_PHASE - 2048}), so the router stops after it. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final List<LeadRouter> routers;
  private final Duration timeout;
  private volatile boolean running;

  /** A lifecycle closing {@code router} within {@code timeout}. */
  public LeadRouterLifecycle(LeadRouter router, Duration timeout) {
    this(List.of(Objects.requireNonNull(router, "router")), timeout);
  }

  /** A lifecycle closing every one of {@code routers} within {@code timeout} in all. */
  public LeadRouterLifecycle(List<LeadRouter> routers, Duration timeout) {
    this.routers = List.copyOf(routers);
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  @Override
  public void start() {
    running = true; // the router delivers from the moment it is built
  }

  @Override
  public void stop() {
    running = false;
    long deadline = System.nanoTime() + timeout.toNanos();
    for (LeadRouter router : routers) {
      // each router still gets its in-flight deliveries recorded; what is left of the timeout bounds the waits
      router.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
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
