package io.leadrouter.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.http.AccessTokenCache.Token;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared token cache with a real fetcher function (the part each sink supplies) and real threads: one fetch for
 * many threads, early refresh while the others carry on, refused tokens forgotten once.
 */
class AccessTokenCacheTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private final MutableClock clock = new MutableClock(T0);
  private final AtomicInteger issued = new AtomicInteger();
  private final ExecutorService pool = Executors.newFixedThreadPool(16);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /** A fetcher that issues token-1, token-2, ... each living an hour, refreshed 5 minutes ahead. */
  private Token next(Token previous) {
    Instant now = clock.instant();
    return new Token("token-" + issued.incrementAndGet(), now.plus(Duration.ofMinutes(55)),
        now.plus(Duration.ofHours(1)));
  }

  @Test
  void token_beforeRefreshAt_isFetchedOnceAndCached() throws Exception {
    AccessTokenCache cache = new AccessTokenCache("test", clock, this::next);

    assertThat(cache.token()).isEqualTo("token-1");
    clock.set(T0.plus(Duration.ofMinutes(54)));
    assertThat(cache.token()).isEqualTo("token-1");
    assertThat(cache.fetchCount()).isEqualTo(1);
  }

  @Test
  void token_16ThreadsAfterExpiry_waitForOneFetch() throws Exception {
    AccessTokenCache cache = new AccessTokenCache("test", clock, slow(this::next));
    cache.token();
    clock.set(T0.plus(Duration.ofHours(2)));

    List<String> tokens = concurrently(16, cache);

    assertThat(tokens).containsOnly("token-2");
    assertThat(cache.fetchCount()).isEqualTo(2);
  }

  @Test
  void token_insideRefreshWindow_oneThreadFetchesWhileTheOthersUseTheValidToken() throws Exception {
    CountDownLatch fetching = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AccessTokenCache cache = new AccessTokenCache("test", clock, previous -> {
      if (previous != null) { // the early refresh: hold it until the others have had their token
        fetching.countDown();
        await(release);
      }
      return next(previous);
    });
    cache.token();
    clock.set(T0.plus(Duration.ofMinutes(57)));
    Future<String> refresher = pool.submit(cache::token);
    assertThat(fetching.await(60, TimeUnit.SECONDS)).isTrue();

    List<String> others = concurrently(8, cache);
    release.countDown();

    assertThat(others).containsOnly("token-1");
    assertThat(refresher.get(60, TimeUnit.SECONDS)).isEqualTo("token-2");
    assertThat(cache.token()).isEqualTo("token-2");
    assertThat(cache.fetchCount()).isEqualTo(2);
  }

  @Test
  void token_earlyRefreshFails_keepsTheValidTokenUntilItExpires() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    AccessTokenCache cache = new AccessTokenCache("test", clock, previous -> {
      if (calls.incrementAndGet() > 1) {
        throw new TransientDeliveryException("identity provider down");
      }
      return next(previous);
    });
    cache.token();

    clock.set(T0.plus(Duration.ofMinutes(57)));
    assertThat(cache.token()).as("still valid: kept").isEqualTo("token-1");
    clock.set(T0.plus(Duration.ofMinutes(61)));
    assertThatThrownBy(cache::token).as("expired: the failure is the caller's").isInstanceOf(
        TransientDeliveryException.class).hasMessage("identity provider down");
    assertThat(cache.fetchCount()).isEqualTo(3);
  }

  /**
   * An identity provider that hangs until the call timeout, then fails: the threads that waited for that fetch share
   * its failure. Each fetched again in turn, so the last of n deliveries waited n call timeouts.
   */
  @Test
  void token_fetchFailsWhileOthersWait_theyShareItsFailureNotFetchOneAfterAnother() throws Exception {
    CountDownLatch fetching = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    AccessTokenCache cache = new AccessTokenCache("test", clock, previous -> {
      calls.incrementAndGet();
      fetching.countDown();
      await(release);
      throw new TransientDeliveryException("token endpoint timed out");
    });
    List<Thread> waiting = new ArrayList<>();
    List<Future<String>> futures = new ArrayList<>();
    futures.add(pool.submit(cache::token));
    assertThat(fetching.await(60, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 8; i++) {
      futures.add(pool.submit(() -> {
        synchronized (waiting) {
          waiting.add(Thread.currentThread());
        }
        return cache.token();
      }));
    }
    awaitBlocked(waiting, 8);
    release.countDown();

    for (Future<String> f : futures) {
      assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).hasRootCauseMessage("token endpoint timed out");
    }
    assertThat(calls).as("one fetch for all nine").hasValue(1);
    // a later delivery fetches anew
    assertThatThrownBy(cache::token).hasMessage("token endpoint timed out");
    assertThat(calls).hasValue(2);
  }

  /** Waits until {@code n} threads have registered and all are parked (on the fetch lock). */
  private static void awaitBlocked(List<Thread> threads, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      synchronized (threads) {
        if (threads.size() == n && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
          return;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("threads did not queue for the fetch");
  }

  @Test
  void invalidate_theCurrentToken_nextTokenFetches_aReplacedOneChangesNothing() throws Exception {
    AccessTokenCache cache = new AccessTokenCache("test", clock, this::next);
    cache.token();

    cache.invalidate("token-1");
    assertThat(cache.token()).isEqualTo("token-2");
    cache.invalidate("token-1"); // another thread's late report of the old token
    assertThat(cache.token()).isEqualTo("token-2");
    assertThat(cache.fetchCount()).isEqualTo(2);
  }

  @Test
  void refresh_8ThreadsRefusedTheSameToken_oneFetch() throws Exception {
    AccessTokenCache cache = new AccessTokenCache("test", clock,
        slow(previous -> Token.untilRefused("token-" + issued.incrementAndGet())));
    String refused = cache.token();

    List<Future<String>> futures = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      futures.add(pool.submit(() -> cache.refresh(refused)));
    }
    for (Future<String> f : futures) {
      assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo("token-2");
    }
    assertThat(cache.fetchCount()).isEqualTo(2);
  }

  @Test
  void clear_forcesAFetch() throws Exception {
    AccessTokenCache cache = new AccessTokenCache("test", clock, this::next);
    cache.token();
    cache.clear();
    assertThat(cache.token()).isEqualTo("token-2");
  }

  @Test
  void token_toString_neverShowsTheValue() {
    Token t = new Token("s3cr3t-token", T0, T0.plusSeconds(60));
    assertThat(t.toString()).doesNotContain("s3cr3t").contains("******");
    assertThatThrownBy(() -> Token.untilRefused("")).isInstanceOf(IllegalArgumentException.class);
  }

  /** The fetcher, taking 200 ms: long enough for the other threads to queue up behind it. */
  private static AccessTokenCache.Fetcher slow(AccessTokenCache.Fetcher fetcher) {
    return previous -> {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return fetcher.fetch(previous);
    };
  }

  private List<String> concurrently(int threads, AccessTokenCache cache) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<String>> futures = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      futures.add(pool.submit(() -> {
        await(start);
        return cache.token();
      }));
    }
    start.countDown();
    List<String> out = new ArrayList<>();
    for (Future<String> f : futures) {
      out.add(f.get(60, TimeUnit.SECONDS));
    }
    return out;
  }

  private static void await(CountDownLatch latch) throws DeliveryException {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new TransientDeliveryException("test latch not released in 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientDeliveryException("interrupted");
    }
  }
}
