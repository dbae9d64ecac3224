package io.leadrouter.http;

import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Secret;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache of an OAuth access token (client credentials flow) that every CRM sink keeps, written once: the sink
 * supplies only the {@link Fetcher} that asks its identity provider (Entra ID, Salesforce, Marketo) for a token.
 * Thread-safe, and one fetch at a time however many threads need a token:
 * <ul>
 *   <li>before a token's {@link Token#refreshAt() refreshAt} it is used as it is;</li>
 *   <li>between {@code refreshAt} and {@link Token#expiresAt() expiresAt} (still valid) one thread fetches a new one
 *       while the others carry on with the current token; if that early fetch fails, the current token stays in
 *       use (a warning is logged) until it expires;</li>
 *   <li>with no token, or an expired one, the threads wait for the one fetch, and its failure is theirs (they do not
 *       fetch again one after another: against an identity provider that hangs, the last of n waiting deliveries
 *       waited n call timeouts);</li>
 *   <li>{@link #invalidate} forgets a token the service refused (401, Marketo's 601/602), unless another thread
 *       already replaced it, so many threads meeting one refused token cause one fetch.</li>
 * </ul>
 * The token in use is held as a {@link Secret}, so the Scrubber removes it (in any encoding) from echoed text.
 */
public final class AccessTokenCache {
  private static final Logger LOG = LoggerFactory.getLogger(AccessTokenCache.class);

  private final String name;
  private final Clock clock;
  private final Fetcher fetcher;
  private final AtomicReference<Token> current = new AtomicReference<>();
  private final ReentrantLock fetchLock = new ReentrantLock();
  private final AtomicInteger fetches = new AtomicInteger();
  /** Fetches finished (guarded by {@link #fetchLock}), and the last one's failure, null when it succeeded. */
  private volatile long finished;
  private volatile DeliveryException lastFailure;
  /** The token in use as a {@link Secret}: known to the Scrubber (any encoding) while it is referenced. */
  @SuppressWarnings("unused")
  private volatile Secret held;

  /**
   * A cache fetching with {@code fetcher}.
   *
   * @param name what the tokens are for, in log lines (e.g. {@code "Microsoft Entra"})
   * @param clock the time source for {@code refreshAt} and {@code expiresAt}
   * @param fetcher asks the identity provider for a new token
   */
  public AccessTokenCache(String name, Clock clock, Fetcher fetcher) {
    this.name = Objects.requireNonNull(name, "name");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
  }

  /**
   * An access token and when to use it.
   *
   * @param value the token
   * @param refreshAt from when a new token is fetched ahead of expiry ({@link Instant#MAX}: never ahead)
   * @param expiresAt from when it is no longer used ({@link Instant#MAX}: until the service refuses it)
   */
  public record Token(String value, Instant refreshAt, Instant expiresAt) {
    /** Checks the parts are present and the token not empty. */
    public Token {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(refreshAt, "refreshAt");
      Objects.requireNonNull(expiresAt, "expiresAt");
      if (value.isEmpty()) {
        throw new IllegalArgumentException("an access token must not be empty");
      }
    }

    /** A token used until the service refuses it (it names no lifetime). */
    public static Token untilRefused(String value) {
      return new Token(value, Instant.MAX, Instant.MAX);
    }

    /** Never shows the token. */
    @Override
    public String toString() {
      return "Token[******, refreshAt=" + refreshAt + ", expiresAt=" + expiresAt + "]";
    }
  }

  /** Asks the identity provider for a new access token. */
  @FunctionalInterface
  public interface Fetcher {
    /**
     * A new token.
     *
     * @param previous the token being replaced, or null (none yet, or it was refused)
     * @throws DeliveryException classified as the sink classifies its identity provider's failures
     */
    Token fetch(Token previous) throws DeliveryException;
  }

  /** A valid access token: the cached one, or one fetched as the class comment describes. */
  public String token() throws DeliveryException {
    Token t = current.get();
    Instant now = clock.instant();
    if (t != null && now.isBefore(t.refreshAt())) {
      return t.value();
    }
    if (t != null && now.isBefore(t.expiresAt())) {
      if (!fetchLock.tryLock()) {
        return t.value(); // another thread is fetching: this one is still valid
      }
      try {
        Token latest = current.get();
        if (latest != t && latest != null && clock.instant().isBefore(latest.expiresAt())) {
          return latest.value();
        }
        try {
          return fetch(latest).value();
        } catch (DeliveryException e) {
          LOG.warn("Early refresh of the {} access token failed; the current token stays in use: {}", name,
              e.getMessage());
          return t.value();
        }
      } finally {
        fetchLock.unlock();
      }
    }
    long seen = finished;
    fetchLock.lock();
    try {
      Token latest = current.get();
      if (latest != null && latest != t && clock.instant().isBefore(latest.expiresAt())) {
        return latest.value(); // fetched by another thread while this one waited
      }
      DeliveryException failed = lastFailure;
      if (failed != null && finished != seen) {
        // the fetch this thread waited for failed: its failure is this thread's. Fetching again, each waiting thread
        // in turn, held the last of n deliveries n call timeouts while the identity provider hung (64 in flight,
        // 30 s each: half an hour)
        throw failed;
      }
      return fetch(latest).value();
    } finally {
      fetchLock.unlock();
    }
  }

  /**
   * A token other than {@code refused}: forgets it ({@link #invalidate}) and returns the token another thread
   * fetched meanwhile, or fetches one.
   */
  public String refresh(String refused) throws DeliveryException {
    invalidate(refused);
    return token();
  }

  /**
   * Forgets {@code refused} (the service did not accept it) so the next {@link #token()} fetches a new one; a
   * token another thread already replaced it with stays.
   */
  public void invalidate(String refused) {
    Token t = current.get();
    if (t != null && t.value().equals(refused)) {
      current.compareAndSet(t, null);
    }
  }

  /** Forgets the cached token: the next {@link #token()} fetches one (e.g. for a publish check). */
  public void clear() {
    current.set(null);
  }

  /** How many times a token was asked for (failed attempts included), for monitoring and tests. */
  public int fetchCount() {
    return fetches.get();
  }

  /** Fetches a token; the caller holds {@link #fetchLock}. */
  private Token fetch(Token previous) throws DeliveryException {
    fetches.incrementAndGet();
    DeliveryException failure = null;
    try {
      Token fresh = Objects.requireNonNull(fetcher.fetch(previous), "fetched token");
      held = Secret.of(fresh.value());
      current.set(fresh);
      return fresh;
    } catch (DeliveryException e) {
      failure = e;
      throw e;
    } finally {
      lastFailure = failure;
      finished++;
    }
  }

  /** Never shows the token. */
  @Override
  public String toString() {
    return "AccessTokenCache[" + name + "]";
  }
}
