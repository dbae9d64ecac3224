package io.leadrouter.testkit;

import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A WireMock extension that makes a fake CRM throttle as the real one does: requests whose path matches are let
 * through at most {@code perSecond} a second (a token bucket holding one second's worth), and the rest get the
 * vendor's throttle answer (Dataverse: 429 with {@code Retry-After}; Marketo: HTTP 200 with error 606; ...). Counts
 * what it let through and what it throttled, so a test can tell the allowed rate from the achieved one.
 * Register it with {@code wireMockConfig().extensions(fake)}.
 */
public final class RateLimitedFake implements ResponseDefinitionTransformerV2 {
  private final Pattern path;
  private final double perSecond;
  private final Supplier<ResponseDefinition> throttleAnswer;
  private final AtomicLong passed = new AtomicLong();
  private final AtomicLong throttled = new AtomicLong();
  private double tokens;
  private long last = System.nanoTime();
  private volatile boolean enabled = true;

  /**
   * A limiter.
   *
   * @param pathRegex the request paths it limits (others pass untouched: e.g. the token endpoint)
   * @param perSecond requests let through per second
   * @param throttleAnswer what a throttled request gets, as the vendor documents it
   */
  public RateLimitedFake(String pathRegex, double perSecond, Supplier<ResponseDefinition> throttleAnswer) {
    this.path = Pattern.compile(Objects.requireNonNull(pathRegex, "pathRegex"));
    this.perSecond = perSecond;
    this.tokens = perSecond;
    this.throttleAnswer = Objects.requireNonNull(throttleAnswer, "throttleAnswer");
  }

  @Override
  public String getName() {
    return "rate-limited-fake";
  }

  @Override
  public ResponseDefinition transform(ServeEvent serveEvent) {
    ResponseDefinition refused = refusal(serveEvent);
    return refused != null ? refused : serveEvent.getResponseDefinition();
  }

  /**
   * For a stateful fake's own transformer, called first: the throttle answer when this request is over the limit
   * (the fake must then change nothing), else null.
   */
  public ResponseDefinition refusal(ServeEvent serveEvent) {
    if (!enabled || !path.matcher(serveEvent.getRequest().getUrl()).find()) {
      return null;
    }
    if (take()) {
      passed.incrementAndGet();
      return null;
    }
    throttled.incrementAndGet();
    return throttleAnswer.get();
  }

  private synchronized boolean take() {
    long now = System.nanoTime();
    tokens = Math.min(perSecond, tokens + (now - last) / 1e9 * perSecond);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Turns throttling off (the limit is lifted) or on again. */
  public void enabled(boolean on) {
    enabled = on;
  }

  /** Requests let through. */
  public long passed() {
    return passed.get();
  }

  /** Requests answered with the throttle answer. */
  public long throttled() {
    return throttled.get();
  }

  /** The requests per second let through. */
  public double perSecond() {
    return perSecond;
  }
}
