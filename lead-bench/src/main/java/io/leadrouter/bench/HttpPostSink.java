package io.leadrouter.bench;

import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.RetryAfter;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A minimal webhook-style sink for benchmarks and proofs: POSTs each lead as JSON with its id in the
 * {@code Lead-Id} header (the receiver's upsert key) and classifies the answer the way real sinks do: 2xx delivered,
 * 429 and 5xx and I/O failures transient (with {@code Retry-After}), 402 with {@code Quota-Resume-Ms} a spent quota,
 * other 4xx permanent. OkHttp's silent retry on connection failure is off, so every failure reaches the router.
 */
public final class HttpPostSink implements LeadSink {
  private static final MediaType JSON = MediaType.get("application/json");

  private final OkHttpClient client;
  private final String url;
  private final int concurrency;
  private final Clock clock;

  /**
   * A sink posting to {@code url}.
   *
   * @param url the receiver
   * @param concurrency calls in flight at once (the router's concurrency for this destination)
   * @param callTimeout the whole call's timeout
   * @param clock the clock for quota resume times
   */
  public HttpPostSink(URI url, int concurrency, Duration callTimeout, Clock clock) {
    this.url = Objects.requireNonNull(url, "url").toString();
    this.concurrency = concurrency;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.client = client(concurrency, callTimeout);
  }

  /** An OkHttp client for {@code concurrency} calls to one host, without silent retries. */
  public static OkHttpClient client(int concurrency, Duration callTimeout) {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(Math.max(64, concurrency));
    dispatcher.setMaxRequestsPerHost(concurrency);
    return new OkHttpClient.Builder().dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(concurrency, 5, java.util.concurrent.TimeUnit.MINUTES))
        .retryOnConnectionFailure(false).callTimeout(callTimeout).build();
  }

  /** The request a lead becomes (shared with the raw OkHttp baseline, so both send the same bytes). */
  public static Request request(String url, Lead lead) {
    String body = "{\"leadId\":\"" + lead.id().value() + "\",\"email\":\"" + lead.customer().email()
        + "\",\"company\":\"" + lead.customer().company() + "\",\"source\":\"" + lead.source().raw() + "\"}";
    return new Request.Builder().url(url).header(LoopbackReceiver.LEAD_ID, lead.id().value())
        .post(RequestBody.create(body, JSON)).build();
  }

  @Override
  public DeliveryResult deliver(Lead lead) throws DeliveryException {
    try (Response r = client.newCall(request(url, lead)).execute()) {
      int code = r.code();
      if (code == 201) {
        return DeliveryResult.created(lead.id().value());
      }
      if (code >= 200 && code < 300) {
        return DeliveryResult.updated(lead.id().value());
      }
      if (code == 429 || code >= 500) {
        throw new TransientDeliveryException("HTTP " + code,
            RetryAfter.parse(r.header("Retry-After"), clock).orElse(null), null, null);
      }
      String quota = r.header(LoopbackReceiver.QUOTA_RESUME_MS);
      if (code == 402 && quota != null) {
        throw new QuotaExceededException(new Diagnosis("LOOPBACK_QUOTA", "daily quota spent",
            "wait for the quota to reset"), clock.instant().plusMillis(Long.parseLong(quota.trim())));
      }
      throw new PermanentDeliveryException(new Diagnosis("LOOPBACK_REJECTED", "HTTP " + code,
          "fix the request"));
    } catch (IOException e) {
      throw new TransientDeliveryException("I/O failure: " + e, e);
    }
  }

  @Override
  public VerificationReport verify() {
    return VerificationReport.builder("loopback").passed("reachable", url).build();
  }

  @Override
  public SinkCapabilities capabilities() {
    return SinkCapabilities.builder().maxBatchSize(1).maxConcurrency(concurrency).upsert(true).build();
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
