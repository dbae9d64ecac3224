package io.leadrouter.spi;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A host is, resolves to, or was about to be connected at an address the {@link AddressGuard} blocks. An
 * {@link UnknownHostException} because a resolver (e.g. OkHttp's {@code Dns}) may throw only that; sinks turn it
 * into a permanent diagnosis naming the host and the setting that allows it.
 */
public final class BlockedAddressException extends UnknownHostException {
  private static final long serialVersionUID = 1L;
  private final String host;
  private final transient InetAddress address;
  private final String range;
  private final boolean literal;
  private final boolean proxy;

  /**
   * A blocked address of {@code host} in the named {@code range}.
   *
   * @param host the URL's host as written (a name or a literal)
   * @param address the address it denotes or resolved to
   * @param range the blocked range's description, e.g. {@code loopback (127.0.0.0/8)}
   * @param literal whether {@code host} is itself a spelling of {@code address} (no lookup took place)
   */
  public BlockedAddressException(String host, InetAddress address, String range, boolean literal) {
    this(host, address, range, literal, false);
  }

  private BlockedAddressException(String host, InetAddress address, String range, boolean literal, boolean proxy) {
    super((proxy ? "the proxy " : "") + message(host, address, range, literal));
    this.host = host;
    this.address = address;
    this.range = range;
    this.literal = literal;
    this.proxy = proxy;
  }

  /**
   * The same refusal, of the proxy the client sends through rather than of the URL's host: its message and
   * {@link #toDeliveryException} fix then say so. Before, a proxy on a blocked address read as the destination's own
   * address, with the fix "correct the URL".
   */
  public BlockedAddressException ofProxy() {
    BlockedAddressException e = new BlockedAddressException(host, address, range, literal, true);
    e.setStackTrace(getStackTrace());
    return e;
  }

  /** Whether the refused address is the proxy's ({@link #ofProxy}), not the URL host's. */
  public boolean isProxy() {
    return proxy;
  }

  /** What to do about a refused proxy address, whatever the sink. */
  private String proxyFix() {
    return "correct the proxy settings (the client's proxy or proxySelector, or the JVM's https.proxyHost /"
        + " socksProxyHost); a sink with an allowedHosts setting lets a proxy on an internal network through when "
        + host + " is listed there (it allows the proxy only, never a destination behind it)";
  }

  private static String message(String host, InetAddress address, String range, boolean literal) {
    String shown = address.getHostAddress();
    String subject;
    if (!literal) {
      subject = host + " resolves to " + shown + ",";
    } else if (AddressGuard.canonicalHost(host).equals(shown)) {
      subject = host + " is";
    } else {
      subject = host + " is " + shown + ",";
    }
    boolean vowelSound = "aeiouAEIOU".indexOf(range.charAt(0)) >= 0 && !range.startsWith("uni");
    String article = vowelSound ? " an " : " a ";
    return subject + article + range + " address; requests to it are blocked to prevent server-side request forgery";
  }

  /**
   * The permanent failure a sink reports for this refusal: retrying cannot help until the URL or DNS changes.
   *
   * @param code the sink's diagnosis code, e.g. {@code DYNAMICS_BLOCKED_ADDRESS}
   * @param what what was being reached, e.g. {@code Dataverse instanceUrl}
   * @param fix what to correct, e.g. {@code correct instanceUrl, or the DNS entry of its host}; for a refused
   *     {@linkplain #isProxy proxy} the fix names the proxy settings instead
   */
  public PermanentDeliveryException toDeliveryException(String code, String what, String fix) {
    return new PermanentDeliveryException(new Diagnosis(code, what + ": " + getMessage(), proxy ? proxyFix() : fix),
        this);
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
