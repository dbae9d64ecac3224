package io.leadrouter.http;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import okhttp3.OkHttpClient;

/**
 * The settings every HTTP sink's builder has, written once: the per-request timeout, the application's shared
 * {@link OkHttpClient} to derive the sink's own from ({@link HttpClients#builder}), and the clock. A sink's builder
 * extends it with its own settings; its {@code build()} checks them all (a non-positive timeout included).
 *
 * @param <B> the sink's builder, returned by every setter
 */
public abstract class HttpSinkBuilder<B extends HttpSinkBuilder<B>> {
  private Duration timeout;
  private OkHttpClient httpClient;
  private Clock clock = Clock.systemUTC();

  /** A builder whose timeout is {@code defaultTimeout} until set. */
  protected HttpSinkBuilder(Duration defaultTimeout) {
    this.timeout = Objects.requireNonNull(defaultTimeout, "defaultTimeout");
  }

  /** This builder, as the sink's builder type. */
  protected abstract B self();

  /** The longest one HTTP call may take: connecting, sending and reading the answer (30 s by default). */
  public B timeout(Duration timeout) {
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    return self();
  }

  /** The timeout set (or the default). */
  protected final Duration timeout() {
    return timeout;
  }

  /**
   * The application's shared client, from which the sink derives its own (sharing its connection pool and
   * threads); the toolkit's {@link HttpClients#shared() shared client} by default.
   */
  public B httpClient(OkHttpClient httpClient) {
    this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
    return self();
  }

  /** The application's client, if one was set. */
  protected final Optional<OkHttpClient> httpClient() {
    return Optional.ofNullable(httpClient);
  }

  /** The time source for token expiry, quota resets, {@code Retry-After} dates and test leads (system UTC). */
  public B clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /** The clock set (or system UTC). */
  protected final Clock clock() {
    return clock;
  }
}
