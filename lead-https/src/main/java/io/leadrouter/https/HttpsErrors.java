package io.leadrouter.https;

import io.leadrouter.http.HttpFailures;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.RetryAfter;
import io.leadrouter.spi.TransientDeliveryException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Turns a webhook receiver's answer (or the lack of one) into a {@link DeliveryException} with a stable diagnosis
 * code. A webhook has no error vocabulary beyond HTTP, so the status decides: 2xx delivered; 408, 425, 429, 5xx,
 * timeouts and resets transient (honouring {@code Retry-After}); 401/403, 404/410, other 4xx and 3xx permanent.
 */
public final class HttpsErrors {
  /** 401 or 403: the receiver refuses this sender. */
  public static final String UNAUTHORIZED = "HTTPS_UNAUTHORIZED";
  /** 404 or 410: no endpoint at the URL. */
  public static final String NOT_FOUND = "HTTPS_NOT_FOUND";
  /** Any other 4xx: the receiver refused this lead. */
  public static final String REJECTED = "HTTPS_REJECTED";
  /** 3xx: the receiver moved; redirects are not followed. */
  public static final String REDIRECT = "HTTPS_REDIRECT";
  /** The host is, or resolves to, an address the SSRF guard blocks. */
  public static final String BLOCKED_ADDRESS = "HTTPS_BLOCKED_ADDRESS";
  /** The receiver's TLS certificate could not be verified. */
  public static final String TLS_FAILED = "HTTPS_TLS_FAILED";
  /** Transient: 5xx, 408, 425, 429, refused or reset connections. */
  public static final String UNAVAILABLE = "HTTPS_UNAVAILABLE";
  /** Transient: no answer within the timeouts. */
  public static final String TIMEOUT = "HTTPS_TIMEOUT";
  /** Transient: the host name did not resolve. */
  public static final String UNKNOWN_HOST = "HTTPS_UNKNOWN_HOST";

  private HttpsErrors() {}

  /**
   * Classifies a non-2xx answer.
   *
   * @param url the URL as it may be shown (no query)
   * @param status the HTTP status
   * @param location the {@code Location} header, shown safely, or null
   * @param retryAfter the {@code Retry-After} header, or null
   * @param quotedBody the start of the body, fit to show (customer data masked), possibly empty
   * @param clock to turn an HTTP-date {@code Retry-After} into a wait
   */
  public static DeliveryException fromStatus(String url, int status, String location, String retryAfter,
      String quotedBody, Clock clock) {
    String answered = url + " answered " + status + (quotedBody.isEmpty() ? "" : ": " + quotedBody);
    if (status == 429) { // RFC 6585: the receiver is up and asks for fewer requests; the router slows down
      return TransientDeliveryException.throttled(answered, RetryAfter.parse(retryAfter, clock).orElse(null),
          new Diagnosis(UNAVAILABLE, answered, "nothing, if it passes; if it persists, lower the sink's rate or"
              + " raise the receiver's limit"));
    }
    if (status == 408 || status == 425 || status >= 500 && status <= 599) {
      return new TransientDeliveryException(answered, RetryAfter.parse(retryAfter, clock).orElse(null),
          new Diagnosis(UNAVAILABLE, answered, "nothing, if it passes; if it persists, check the receiver's health"),
          null);
    }
    if (status >= 300 && status <= 399) {
      String to = location == null ? "no location" : location;
      return new PermanentDeliveryException(new Diagnosis(REDIRECT,
          url + " answered " + status + " redirecting to " + to + " (redirects are not followed)",
          "set url to the receiver's current address if you trust it; redirects are not followed so that a receiver"
              + " cannot steer signed leads to another host"));
    }
    if (status == 401 || status == 403) {
      return new PermanentDeliveryException(new Diagnosis(UNAUTHORIZED, answered,
          "give the receiver the credentials it expects (secretHeaders, e.g. an API key) and make sure it trusts"
              + " this sink's signing secret, then replay the dead letters"));
    }
    if (status == 404 || status == 410) {
      return new PermanentDeliveryException(new Diagnosis(NOT_FOUND, answered,
          "check url: the receiver has no endpoint at this path" + (status == 410 ? " any more" : "")
              + ", then replay the dead letters"));
    }
    if (status >= 400 && status <= 499) {
      return new PermanentDeliveryException(new Diagnosis(REJECTED, answered,
          "the receiver refused this lead: read its answer, fix the receiver (or the lead), then replay it"));
    }
    return new TransientDeliveryException(url + " answered an unexpected status " + status, null,
        new Diagnosis(UNAVAILABLE, answered, "check that url points at an HTTP webhook receiver"), null);
  }

  /** Classifies a failure to get an answer at all. */
  public static DeliveryException fromIOException(String url, IOException e) {
    Optional<BlockedAddressException> blocked = find(e, BlockedAddressException.class);
    if (blocked.isPresent()) {
      return blocked(url, blocked.get());
    }
    if (find(e, SSLPeerUnverifiedException.class).isPresent() || find(e, CertificateException.class).isPresent()) {
      return new PermanentDeliveryException(new Diagnosis(TLS_FAILED,
          url + ": the receiver's TLS certificate could not be verified (" + HttpFailures.message(e) + ")",
          "the receiver must present a certificate valid for its host name from a CA this JVM trusts;"
              + " verification is never turned off"), e);
    }
    if (e instanceof InterruptedIOException) {
      String m = url + " did not answer in time (" + HttpFailures.message(e) + ")";
      return new TransientDeliveryException(m, null, new Diagnosis(TIMEOUT, m,
          "nothing, if it passes; if it persists, check the receiver or raise callTimeout"), e);
    }
    if (e instanceof UnknownHostException) {
      String m = url + ": the host name did not resolve (" + HttpFailures.message(e) + ")";
      return new TransientDeliveryException(m, null, new Diagnosis(UNKNOWN_HOST, m,
          HttpFailures.unresolvableThroughProxy(e)
              ? "give this machine a resolver that knows the host; where only the proxy can resolve it (a locked-down"
                  + " network), list the host in " + HttpsConfig.PROXY_RESOLVED_HOSTS + " so that the proxy is asked"
                  + " for the name (its resolver then decides the address); it is retried meanwhile"
              : "check the host name in url; it is retried in case DNS is briefly down"), e);
    }
    String m = url + ": " + (e instanceof ConnectException ? "connection failed" : "connection broke") + " ("
        + HttpFailures.describe(e) + ")";
    return new TransientDeliveryException(m, null, new Diagnosis(UNAVAILABLE, m,
        "nothing, if it passes; if it persists, check that the receiver is up"), e);
  }

  /** The SSRF guard refused the host's address. */
  public static PermanentDeliveryException blocked(String url, BlockedAddressException e) {
    if (e.isProxy()) { // the fix is the proxy settings or the allow-list, never url
      return new PermanentDeliveryException(new Diagnosis(BLOCKED_ADDRESS, url + ": " + e.getMessage(),
          "if this proxy is meant to be on an internal network, add " + e.host() + " to " + HttpsConfig.ALLOWED_HOSTS
              + " (it allows the proxy only, never a receiver behind it); otherwise correct the proxy settings (the"
              + " client's proxy or proxySelector, or the JVM's https.proxyHost / socksProxyHost)"), e);
    }
    return new PermanentDeliveryException(new Diagnosis(BLOCKED_ADDRESS, url + ": " + e.getMessage(),
        "if this receiver is meant to be on an internal network, add " + e.host() + " to "
            + HttpsConfig.ALLOWED_HOSTS + "; otherwise correct url"), e);
  }

  /** The first throwable of the type among {@code e}, its causes and their suppressed exceptions. */
  private static <T extends Throwable> Optional<T> find(Throwable e, Class<T> type) {
    Deque<Throwable> todo = new ArrayDeque<>();
    Set<Throwable> seen = new HashSet<>();
    todo.add(e);
    while (!todo.isEmpty()) {
      Throwable t = todo.poll();
      if (!seen.add(t)) {
        continue;
      }
      if (type.isInstance(t)) {
        return Optional.of(type.cast(t));
      }
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      todo.addAll(java.util.List.of(t.getSuppressed()));
    }
    return Optional.empty();
  }
}
