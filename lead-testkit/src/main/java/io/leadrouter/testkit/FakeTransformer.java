package io.leadrouter.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.util.Objects;

/**
 * The WireMock transformer of a stateful fake CRM, which supplies its {@link #answer}: a request that belongs to a
 * customer (by {@link #customerOf}) is counted in {@link #customers()} while it takes the service's
 * {@link #processingTime} and is answered; a {@link RateLimitedFake} set with {@link #throttle} may refuse it first
 * (then the fake changes nothing). Register it with {@code wireMockConfig().extensions(transformer)}, name it in stubs
 * with {@code aResponse().withTransformers(transformer.getName())}, and call {@link #resetTransformer()} when the fake
 * resets.
 */
public abstract class FakeTransformer implements ResponseDefinitionTransformerV2 {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final OverlapRecorder customers = new OverlapRecorder();
  private volatile int processingMillis;
  private volatile RateLimitedFake throttle;

  /** The fake's answer to {@code event}'s request (not throttled). */
  protected abstract ResponseDefinition answer(ServeEvent event);

  /** The customer (e.g. the e-mail) {@code request} writes or looks up, or null when it names none (the default). */
  protected String customerOf(LoggedRequest request) {
    return null;
  }

  /** The name stubs give in {@code withTransformers}: the fake's class name (one such transformer a server). */
  @Override
  public final String getName() {
    return getClass().getName();
  }

  /** Only the stubs that name it are transformed. */
  @Override
  public final boolean applyGlobally() {
    return false;
  }

  /**
   * Counts the request for its customer (when it names one) and takes the processing time, outside any lock of the
   * fake so that requests really overlap; the customer is released before the answer leaves.
   */
  @Override
  public final ResponseDefinition transform(ServeEvent event) {
    String customer = customerOf(event.getRequest());
    if (customer == null) {
      return throttledOrAnswer(event);
    }
    return customers.during(customer, processingMillis, () -> throttledOrAnswer(event));
  }

  private ResponseDefinition throttledOrAnswer(ServeEvent event) {
    RateLimitedFake t = throttle;
    ResponseDefinition refused = t == null ? null : t.refusal(event);
    return refused != null ? refused : answer(event);
  }

  /**
   * The text of {@code field} in {@code request}'s JSON body, or null when it is empty or absent or the body is not
   * JSON: for {@link #customerOf}, the e-mail a request writes.
   */
  protected static String jsonText(LoggedRequest request, String field) {
    try {
      String body = request.getBodyAsString();
      String text = body.isEmpty() ? "" : JSON.readTree(body).path(field).asText("");
      return text.isEmpty() ? null : text;
    } catch (IOException e) {
      return null;
    }
  }

  /** Requests per customer in flight together, as this fake saw them. */
  public OverlapRecorder customers() {
    return customers;
  }

  /** From now on each request about a customer takes this long (the service's processing time). */
  public void processingTime(int millis) {
    processingMillis = millis;
  }

  /** From now on {@code limiter} may refuse requests before the fake answers them; returns it. */
  public RateLimitedFake throttle(RateLimitedFake limiter) {
    throttle = Objects.requireNonNull(limiter, "limiter");
    return limiter;
  }

  /** No processing time, no throttle, no requests counted: as new (between tests). */
  public void resetTransformer() {
    processingMillis = 0;
    throttle = null;
    customers.reset();
  }
}
