package io.leadrouter.https.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A host resolved to (or is) an address the SSRF guard blocks. An {@link UnknownHostException} because OkHttp's
 * {@code Dns} may throw only that; the sink turns it into a permanent {@code HTTPS_BLOCKED_ADDRESS} diagnosis.
 */
public final class BlockedAddressException extends UnknownHostException {
  private static final long serialVersionUID = 1L;
  private final String host;
  private final transient InetAddress address;
  private final String range;

  /** A blocked address of {@code host} (a literal when {@code literal}), in the named {@code range}. */
  public BlockedAddressException(String host, InetAddress address, String range, boolean literal) {
    super((literal ? host + " is" : host + " resolves to " + address.getHostAddress() + ",") + " a " + range
        + " address; requests to it are blocked to prevent server-side request forgery");
    this.host = host;
    this.address = address;
    this.range = range;
  }

  /** The host name (or literal) of the URL. */
  public String host() {
    return host;
  }

  /** The blocked address. */
  public InetAddress address() {
    return address;
  }

  /** The blocked range's description, e.g. {@code private network (10.0.0.0/8)}. */
  public String range() {
    return range;
  }
}
