package io.leadrouter.https;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.Pii;
import io.leadrouter.Problem;
import io.leadrouter.http.Bodies;
import io.leadrouter.http.ExplainRequests;
import io.leadrouter.http.HttpClients;
import io.leadrouter.http.HttpSinkBuilder;
import io.leadrouter.https.internal.RecentIds;
import io.leadrouter.https.internal.Responses;
import io.leadrouter.https.internal.SafeUrl;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.VerificationReport;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers leads to any HTTPS webhook receiver: POSTs the marketplace's own JSON shape (so receivers written for
 * the marketplace keep working; the {@code LeadId} is in the body too), signed per Standard Webhooks with
 * {@code webhook-id} = {@link WebhookSigner#messageId} ({@code msg_} + a hash of the {@code LeadId}), the same on
 * every retry, which receivers dedupe on. Refuses plain http (unless allowed per host), never follows redirects, never turns off TLS
 * verification, and blocks private, loopback, link-local and metadata addresses (SSRF guard) unless allow-listed.
 * Thread-safe.
 */
public final class HttpsSink implements LeadSink {
  /** The type name in descriptors. */
  public static final String TYPE = "https";
  /** The offer name of the test lead {@link #verify()} sends. */
  public static final String VERIFY_OFFER_TITLE = "LeadRouter connection test";

  private static final Logger LOG = LoggerFactory.getLogger(HttpsSink.class);
  private static final MediaType JSON = MediaType.get("application/json");
  private static final String USER_AGENT = "leadrouter-https/0.1";
  private static final Pattern EMAIL = Pattern.compile("[^\\s\"'<>@,;:]+@[^\\s\"'<>@,;:]+\\.[A-Za-z]{2,}");

  private final HttpsConfig config;
  private final HttpUrl url;
  private final String shownUrl;
  /** What in the URL may be a credential, held so that the Scrubber removes it from what receivers echo. */
  @SuppressWarnings("unused")
  private final List<Secret> urlCredentials;
  private final WebhookSigner signer;
  private final AddressGuard guard;
  /** The guard's verdict on the URL's host literal, null when allowed: fixed by the settings, so judged once. */
  private final BlockedAddressException blockedHost;
  private final Headers staticHeaders;
  private volatile OkHttpClient client;
  private final RecentIds acknowledged;
  private final Clock clock;
  private final MarketplaceCodec codec = MarketplaceCodec.standard();

  private HttpsSink(HttpsConfig config, OkHttpClient base, Clock clock) {
    this.config = config;
    this.url = Objects.requireNonNull(HttpUrl.parse(config.url().toString()), "url");
    this.shownUrl = SafeUrl.show(url);
    this.urlCredentials = SafeUrl.credentials(url);
    this.signer = WebhookSigner.of(config.signingSecrets());
    this.guard = AddressGuard.allowing(config.allowedHosts());
    this.blockedHost = hostVerdict(guard, url.host());
    Headers.Builder h = new Headers.Builder();
    config.headers().forEach(h::set);
    config.secretHeaders().forEach((name, value) -> h.set(name, value.reveal()));
    h.set("User-Agent", USER_AGENT);
    this.staticHeaders = h.build();
    OkHttpClient from = base == null ? HttpClients.shared() : base;
    // the SSRF rule is applied to what the resolver returns and again to every address connected to
    this.client = HttpClients.guard(
        HttpClients.builder(from, config.connectTimeout(), config.callTimeout(), config.maxConcurrency()), from, guard,
        config.proxyResolvedHosts()).build();
    this.acknowledged = new RecentIds(config.rememberedIds());
    this.clock = clock;
  }

  private static BlockedAddressException hostVerdict(AddressGuard guard, String host) {
    try {
      guard.checkHost(host);
      return null;
    } catch (BlockedAddressException e) {
      return e;
    }
  }

  /** A builder; {@link Builder#url} and a {@link Builder#signingSecret} are required. */
  public static Builder builder() {
    return new Builder((URI) null);
  }

  /** A builder for a sink posting to {@code url}. */
  public static Builder builder(URI url) {
    return new Builder(Objects.requireNonNull(url, "url"));
  }

  /** A builder starting from complete settings (as {@link HttpsSinkProvider} reads them). */
  public static Builder builder(HttpsConfig config) {
    return new Builder(Objects.requireNonNull(config, "config"));
  }

  /** The settings this sink was built with. */
  public HttpsConfig config() {
    return config;
  }

  /**
   * POSTs the lead, signed. 2xx is {@code CREATED} the first time this sink instance sees the lead acknowledged and
   * {@code UPDATED} after that (the receiver dedupes on {@code webhook-id}; the sink cannot see what it did).
   */
  @Override
  public DeliveryResult deliver(Lead lead) throws DeliveryException {
    Objects.requireNonNull(lead, "lead");
    if (blockedHost != null) {
      throw HttpsErrors.blocked(shownUrl, blockedHost);
    }
    String id = WebhookSigner.messageId(lead.id()); // stable across retries; the LeadId is in the body
    Request request = request(lead, id, true);
    try (Response response = client.newCall(request).execute()) {
      int status = response.code();
      if (status >= 200 && status <= 299) {
        // the 2xx is the answer: its body is not waited for (a receiver dripping it held the delivery up to
        // callTimeout). Closing the response lets OkHttp drain what remains for at most 100 ms, so a small body sent
        // with the headers still leaves the connection reusable; a slower one closes it.
        boolean again = acknowledged.acknowledge(id);
        LOG.debug("lead {} delivered to {} ({}{})", id, shownUrl, status, again ? ", again" : "");
        String recordId = lead.id().value();
        return again ? DeliveryResult.updated(recordId) : DeliveryResult.created(recordId);
      }
      byte[] start = Bodies.bytes(response.body(), Responses.QUOTED_BYTES + 1);
      String quoted = mask(Responses.quote(start), lead) + (start.length > Responses.QUOTED_BYTES ? "…" : "");
      String location = response.header("Location");
      DeliveryException failure = HttpsErrors.fromStatus(shownUrl, status,
          location == null ? null : SafeUrl.show(location, url), response.header("Retry-After"), quoted, clock);
      LOG.debug("lead {} not delivered to {}: {}", id, shownUrl, status);
      throw failure;
    } catch (IOException e) {
      throw HttpsErrors.fromIOException(shownUrl, e);
    }
  }

  /** The signed POST for a lead (unsigned, for explain, when {@code sign} is false). */
  private Request request(Lead lead, String id, boolean sign) {
    byte[] body = codec.toJson(lead);
    long timestamp = clock.instant().getEpochSecond();
    return new Request.Builder().url(url).headers(staticHeaders)
        .header(WebhookSigner.ID_HEADER, id)
        .header(WebhookSigner.TIMESTAMP_HEADER, Long.toString(timestamp))
        .header(WebhookSigner.SIGNATURE_HEADER, sign ? signer.sign(id, timestamp, body) : ExplainedRequest.REDACTED)
        .post(RequestBody.create(body, JSON))
        .build();
  }

  /**
   * The POST {@link #deliver} would send now: the same headers and body; the signature, secret headers and query
   * values redacted. A blocked address is the check that would fail.
   */
  @Override
  public Optional<ExplainedRequest> explain(Lead lead) throws PermanentDeliveryException {
    Objects.requireNonNull(lead, "lead");
    if (blockedHost != null) {
      throw HttpsErrors.blocked(shownUrl, blockedHost);
    }
    ExplainedRequest.Builder r = ExplainRequests.of(request(lead, WebhookSigner.messageId(lead.id()), false), ExplainRequests.redactQuery(url))
        .replaceHeader(WebhookSigner.SIGNATURE_HEADER, "v1," + ExplainedRequest.REDACTED);
    config.secretHeaders().keySet().forEach(name -> r.replaceHeader(name, ExplainedRequest.REDACTED));
    return Optional.of(r.note("signed with " + signer.secretCount() + " secret(s) at delivery time; "
        + WebhookSigner.TIMESTAMP_HEADER + " is the time of sending").build());
  }

  /** A receiver may echo the lead back in an error: keep the customer's e-mail and phone out of messages. */
  private static String mask(String text, Lead lead) {
    String out = text;
    if (!lead.customer().phone().isBlank()) {
      out = out.replace(lead.customer().phone(), Pii.maskPhone(lead.customer().phone()));
    }
    return EMAIL.matcher(out).replaceAll(m -> Matcher.quoteReplacement(Pii.maskEmail(m.group())));
  }

  /** Sends a marketplace-style test lead ({@code MSFT_TEST_<ticks>}), as the marketplace does when publishing. */
  @Override
  public VerificationReport verify() {
    VerificationReport.Builder report = VerificationReport.builder(TYPE);
    report.passed("address", shownUrl + (url.isHttps() ? " over TLS" : " over plain http (allowed by "
        + HttpsConfig.ALLOW_HTTP_HOSTS + ")") + ", signed with " + signer.secretCount() + " secret(s)");
    Lead test = Lead.marketplaceTestLead(clock, VERIFY_OFFER_TITLE);
    try {
      DeliveryResult result = deliver(test);
      report.passed("test lead", shownUrl + " accepted test lead " + test.id() + " (" + result.outcome() + ")");
    } catch (DeliveryException e) {
      report.failed("test lead", e.diagnosis().orElseGet(() -> new Diagnosis(HttpsErrors.UNAVAILABLE,
          e.getMessage(), "check that the receiver is up")));
    }
    return report.build();
  }

  /**
   * One lead per call; upsert because the receiver dedupes on {@code webhook-id} (from the lead id), which every
   * redelivery carries unchanged.
   */
  @Override
  public SinkCapabilities capabilities() {
    return SinkCapabilities.builder().maxBatchSize(1).maxConcurrency(config.maxConcurrency()).upsert(true)
        .confirmsDelivery(true).build();
  }

  /** Stops this sink's dispatcher threads and closes its own pool's idle connections (an application's pool stays). */
  @Override
  public void close() {
    HttpClients.release(client);
  }

  /**
   * Grows this sink's connection pool to the deliveries the router runs at once, so each keeps its connection alive
   * between leads (see {@link HttpClients#sizedFor}).
   */
  @Override
  public void prepareFor(int inFlight) {
    client = HttpClients.sizedFor(client, inFlight);
  }

  /** Shows the URL without its query and the number of secrets, never a secret. */
  @Override
  public String toString() {
    return "HttpsSink[" + shownUrl + ", " + signer.secretCount() + " signing secret(s)]";
  }

  /**
   * Builds an {@link HttpsSink}; usable without any configuration strings. The call timeout, the application's client
   * and the clock are the settings every HTTP sink's builder has ({@link HttpSinkBuilder}: {@code timeout},
   * {@code httpClient}, {@code clock}); {@link #callTimeout} and {@link #client} are this sink's names for the first
   * two.
   */
  public static final class Builder extends HttpSinkBuilder<Builder> {
    private URI url;
    private final List<Secret> signingSecrets = new ArrayList<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, Secret> secretHeaders = new LinkedHashMap<>();
    private Duration connectTimeout = HttpsConfig.DEFAULT_CONNECT_TIMEOUT;
    private final Set<String> allowedHosts = new LinkedHashSet<>();
    private final Set<String> allowHttpHosts = new LinkedHashSet<>();
    private final Set<String> proxyResolvedHosts = new LinkedHashSet<>();
    private int maxConcurrency = HttpsConfig.DEFAULT_MAX_CONCURRENCY;
    private int rememberedIds = HttpsConfig.DEFAULT_REMEMBERED_IDS;

    private Builder(URI url) {
      super(HttpsConfig.DEFAULT_CALL_TIMEOUT);
      this.url = url;
    }

    private Builder(HttpsConfig c) {
      super(c.callTimeout());
      url = c.url();
      signingSecrets.addAll(c.signingSecrets());
      headers.putAll(c.headers());
      secretHeaders.putAll(c.secretHeaders());
      connectTimeout = c.connectTimeout();
      allowedHosts.addAll(c.allowedHosts());
      allowHttpHosts.addAll(c.allowHttpHosts());
      proxyResolvedHosts.addAll(c.proxyResolvedHosts());
      maxConcurrency = c.maxConcurrency();
      rememberedIds = c.rememberedIds();
    }

    /** Where leads are POSTed (required): https, or plain http to a host allowed by {@link #allowHttpHost}. */
    public Builder url(URI url) {
      this.url = Objects.requireNonNull(url, "url");
      return this;
    }

    /** Adds a Standard Webhooks secret ({@code whsec_...}); add the new one first and the old one while rotating. */
    public Builder signingSecret(Secret secret) {
      signingSecrets.add(Objects.requireNonNull(secret, "secret"));
      return this;
    }

    /** Adds a static header sent with every post. */
    public Builder header(String name, String value) {
      headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Adds a static header whose value is a credential (e.g. {@code X-Api-Key}). */
    public Builder secretHeader(String name, Secret value) {
      secretHeaders.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Longest wait for a connection; 10 s by default. */
    public Builder connectTimeout(Duration timeout) {
      connectTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Longest wait for a whole delivery (connect, send, answer); 30 s by default. The same as {@link #timeout}. */
    public Builder callTimeout(Duration timeout) {
      return timeout(timeout);
    }

    /** Allows a host name or IP literal that is (or resolves to) a private, loopback or link-local address. */
    public Builder allowHost(String host) {
      allowedHosts.add(Objects.requireNonNull(host, "host"));
      return this;
    }

    /** Allows plain {@code http} to this host (e.g. a receiver inside the same trusted network). */
    public Builder allowHttpHost(String host) {
      allowHttpHosts.add(Objects.requireNonNull(host, "host"));
      return this;
    }

    /**
     * Lets the proxy resolve {@code host} (the URL's host name, compared as {@link #allowHost} compares names): when,
     * and only when, the application's client sends through a proxy, the proxy is asked for the name
     * ({@code CONNECT hooks.example.com:443}, a SOCKS5 request by domain name) and the name is never looked up on
     * this machine. Off by default: every other host's tunnel is pinned to the address the SSRF guard judged here,
     * so that the proxy cannot reach an address the guard never saw.
     *
     * <p>Use it only in a locked-down network where this machine cannot resolve external names (only the proxy does;
     * the delivery otherwise fails with "does not resolve on this machine"), or where the proxy allows tunnels by
     * host name and refuses an IP literal (typically a {@code 403} to the {@code CONNECT}). What it trades away: the
     * proxy's resolver then decides the address, so a DNS answer that changes (rebinding) or a name that resolves to
     * an internal address is the proxy's to refuse, not the guard's. The proxy's own address is still judged (a
     * proxy on a private address must be in {@link #allowHost}); without a proxy the call is resolved and judged
     * here as always. {@code build()} refuses an entry that is blank, an IP address, {@code localhost}, a URL, a
     * pattern, a host with a port, or a name that is not the URL's host.
     */
    public Builder proxyResolvesHost(String host) {
      proxyResolvedHosts.add(Objects.requireNonNull(host, "host"));
      return this;
    }

    /** Most deliveries in flight; 4 by default. */
    public Builder maxConcurrency(int n) {
      maxConcurrency = n;
      return this;
    }

    /** How many acknowledged lead ids to remember for reporting redeliveries as updates; 10,000 by default. */
    public Builder rememberedIds(int n) {
      rememberedIds = n;
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * The application's shared client, from which the sink derives its own (sharing its pool); the toolkit's
     * shared client by default. Its {@code Dns} is kept, wrapped by the SSRF guard. The same as {@link #httpClient}.
     */
    public Builder client(OkHttpClient client) {
      return httpClient(client);
    }

    /** The settings as they stand (the URL must be set). */
    public HttpsConfig config() {
      return new HttpsConfig(url, signingSecrets, headers, secretHeaders, connectTimeout, timeout(), allowedHosts,
          allowHttpHosts, proxyResolvedHosts, maxConcurrency, rememberedIds);
    }

    /**
     * Builds the sink: the one place the settings are checked.
     *
     * @throws ConfigurationException listing every problem, each under its descriptor key
     */
    public HttpsSink build() {
      List<Problem> problems = HttpsConfig.problems(url, signingSecrets, headers, secretHeaders, connectTimeout,
          timeout(), allowedHosts, allowHttpHosts, proxyResolvedHosts, maxConcurrency, rememberedIds);
      if (!problems.isEmpty()) {
        throw new ConfigurationException(problems);
      }
      return new HttpsSink(config(), httpClient().orElse(null), clock());
    }
  }
}
