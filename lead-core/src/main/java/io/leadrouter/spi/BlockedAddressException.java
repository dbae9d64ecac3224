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

  /**
   * A blocked address of {@code host} in the named {@code range}.
   *
   * @param host the URL's host as written (a name or a literal)
   * @param address the address it denotes or resolved to
   * @param range the blocked range's description, e.g. {@code loopback (127.0.0.0/8)}
   * @param literal whether {@code host} is itself a spelling of {@code address} (no lookup took place)
   */
  public BlockedAddressException(String host, InetAddress address, String range, boolean literal) {
    super(message(host, address, range, literal));
    this.host = host;
    this.address = address;
    this.range = range;
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
   * @param fix what to correct, e.g. {@code correct instanceUrl, or the DNS entry of its host}
   */
  public PermanentDeliveryException toDeliveryException(String code, String what, String fix) {
    return new PermanentDeliveryException(new Diagnosis(code, what + ": " + getMessage(), fix), this);
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
