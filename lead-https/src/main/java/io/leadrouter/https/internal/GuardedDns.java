package io.leadrouter.https.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;
import okhttp3.Dns;

/**
 * Wraps the client's {@link Dns} so the SSRF rule applies to the very addresses OkHttp then connects to: a check
 * before the request, against a separate lookup, could be fooled by DNS rebinding.
 */
public final class GuardedDns implements Dns {
  private final Dns delegate;
  private final AddressPolicy policy;

  /** Guards {@code delegate} with {@code policy}. */
  public GuardedDns(Dns delegate, AddressPolicy policy) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    List<InetAddress> addresses = delegate.lookup(hostname);
    policy.check(hostname, addresses);
    return addresses;
  }
}
