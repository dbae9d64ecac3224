package io.leadrouter.http;

import io.leadrouter.http.internal.PinnedProxies;
import io.leadrouter.spi.Scrubber;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import okhttp3.HttpUrl;

/**
 * What an HTTP status or an I/O failure means for a delivery, the same for every sink: whether the request may
 * have reached the destination (so a retried create must first look for the record), whether the destination is
 * out of reach (an outage), and whether it asked us to slow down (throttling, which is not an outage).
 */
public final class HttpFailures {
  private HttpFailures() {}

  /** 429 Too Many Requests (RFC 6585 §4): the destination asks us to slow down; it is up. */
  public static boolean throttled(int status) {
    return status == 429;
  }

  /** 5xx: the destination (or a proxy in front of it) failed; retry later. */
  public static boolean serverError(int status) {
    return status >= 500 && status <= 599;
  }

  /**
   * 408 Request Timeout or 5xx (any status from 500 up): the destination could not answer this time, so the delivery
   * is retried later, after the {@code Retry-After} it asked for if any. 429 is {@link #throttled} instead.
   */
  public static boolean retryLater(int status) {
    return status == 408 || status >= 500;
  }

  /**
   * 3xx: the destination redirects. Sinks never follow ({@link HttpClients#builder}): the request carries a token or
   * the customer's data, and a CRM API does not move; the fix is the URL setting.
   */
  public static boolean redirected(int status) {
    return status >= 300 && status <= 399;
  }

  /**
   * Where a redirect points, fit for a message: {@code "to <host>"} of its {@code Location} (resolved against the
   * request's URL), or {@code "nowhere"}. Only the host: the rest of the location may echo the request's query, a
   * token or the customer's data.
   */
  public static String redirectTarget(HttpUrl request, String location) {
    Objects.requireNonNull(request, "request");
    HttpUrl to = location == null ? null : request.resolve(location.strip());
    return to == null ? "nowhere" : "to " + to.host();
  }

  /**
   * Whether the request certainly never reached the destination: no connection was made (refused, unknown host,
   * no route, connect timeout). Anything else (a read timeout, a reset after sending) may have been applied.
   */
  public static boolean neverSent(IOException e) {
    Objects.requireNonNull(e, "e");
    return e instanceof ConnectException || e instanceof UnknownHostException || e instanceof NoRouteToHostException
        || connectTimeout(e);
  }

  /**
   * Whether the call failed because a guarded client sends through a proxy and this machine cannot resolve the host
   * (see {@link HttpClients#guard}): the fix is a resolver here, or, where the sink offers it, letting the proxy
   * resolve that host.
   */
  public static boolean unresolvableThroughProxy(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UnknownHostException && t.getMessage() != null
          && t.getMessage().contains(PinnedProxies.UNRESOLVABLE_THROUGH_PROXY)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the destination looks out of reach: no connection, or no answer in time. */
  public static boolean unreachable(IOException e) {
    Objects.requireNonNull(e, "e");
    return neverSent(e) || timedOut(e);
  }

  /** Whether the call ran out of time (connect, read or whole-call timeout). */
  public static boolean timedOut(IOException e) {
    // OkHttp's call timeout is an InterruptedIOException "timeout"; read and connect timeouts are SocketTimeouts
    return e instanceof SocketTimeoutException
        || (e instanceof InterruptedIOException && "timeout".equals(e.getMessage()));
  }

  /**
   * One line naming the failure for a message: its type and, when it has one, {@link #message its message}.
   */
  public static String describe(IOException e) {
    String m = message(e);
    return e.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m);
  }

  /**
   * The failure's message fit for a message of the sink's: one line, controls as spaces, at most
   * {@link Bodies#QUOTED_CHARS} characters ({@link Bodies#quote}), credentials and customer data scrubbed first; empty when it has none. OkHttp quotes the peer's
   * own text in some ({@code Unexpected status line: ...}, up to 256 KiB of it): quoted whole, one garbage answer put
   * the peer's text, terminal escapes and all, into every attempt's message.
   */
  public static String message(IOException e) {
    String m = Objects.requireNonNull(e, "e").getMessage();
    // scrubbed before the cut: a credential cut in two would no longer be recognised by the message's own scrub
    return m == null ? "" : Bodies.quote(Scrubber.standard().scrub(m));
  }

  private static boolean connectTimeout(IOException e) {
    return e instanceof SocketTimeoutException && e.getMessage() != null
        && e.getMessage().toLowerCase(Locale.ROOT).contains("connect");
  }
}
