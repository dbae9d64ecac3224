package io.leadrouter.https.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The SSRF guard's rule: which addresses a webhook may be sent to. Loopback, private, link-local (including the
 * cloud metadata address 169.254.169.254), unique-local IPv6, unspecified, shared (CGNAT) and multicast addresses are
 * blocked unless the URL's host, or the address itself, is allow-listed.
 */
public final class AddressPolicy {
  private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final Set<String> allowedNames = new HashSet<>();
  private final Set<InetAddress> allowedAddresses = new HashSet<>();

  /** A policy allowing the given host names and IP literals even when they are (or resolve to) blocked addresses. */
  public AddressPolicy(Collection<String> allowedHosts) {
    for (String h : allowedHosts) {
      String host = normalize(h);
      literal(host).ifPresentOrElse(allowedAddresses::add, () -> allowedNames.add(host));
    }
  }

  /** Throws if any of {@code host}'s addresses is blocked and neither the host nor that address is allow-listed. */
  public void check(String host, List<InetAddress> addresses) throws BlockedAddressException {
    check(host, addresses, false);
  }

  private void check(String host, List<InetAddress> addresses, boolean literal) throws BlockedAddressException {
    if (allowedNames.contains(normalize(host))) {
      return;
    }
    for (InetAddress a : addresses) {
      Optional<String> range = blockedRange(a);
      if (range.isPresent() && !allowedAddresses.contains(a)) {
        throw new BlockedAddressException(host, a, range.get(), literal);
      }
    }
  }

  /**
   * Checks a URL host that is an IP literal (OkHttp connects to literals without asking its {@code Dns}); does
   * nothing for a host name, which the guarded {@code Dns} checks when it is resolved.
   */
  public void checkLiteral(String host) throws BlockedAddressException {
    Optional<InetAddress> literal = literal(normalize(host));
    if (literal.isPresent()) {
      check(host, List.of(literal.get()), true);
    }
  }

  /** Why an address is blocked (its range), or empty when it is a public address. */
  public static Optional<String> blockedRange(InetAddress a) {
    if (a instanceof Inet4Address) {
      return ipv4Range(a.getAddress());
    }
    byte[] b = a.getAddress();
    if (a.isAnyLocalAddress()) {
      return Optional.of("unspecified (::)");
    }
    if (a.isLoopbackAddress()) {
      return Optional.of("loopback (::1)");
    }
    if ((b[0] & 0xfe) == 0xfc) {
      return Optional.of("unique local IPv6 (fc00::/7)");
    }
    if (a.isLinkLocalAddress()) {
      return Optional.of("link-local IPv6 (fe80::/10)");
    }
    if (a.isSiteLocalAddress()) {
      return Optional.of("site-local IPv6 (fec0::/10)");
    }
    if (a.isMulticastAddress()) {
      return Optional.of("multicast (ff00::/8)");
    }
    if (a instanceof Inet6Address v6 && (v6.isIPv4CompatibleAddress() || isNat64(b))) {
      // an IPv4 address embedded in IPv6 reaches the same host: judge the embedded address
      return ipv4Range(new byte[] {b[12], b[13], b[14], b[15]}).map(r -> r + " embedded in IPv6");
    }
    return Optional.empty();
  }

  private static Optional<String> ipv4Range(byte[] b) {
    int o1 = b[0] & 0xff;
    int o2 = b[1] & 0xff;
    if (o1 == 0) {
      return Optional.of("unspecified (0.0.0.0/8)");
    }
    if (o1 == 127) {
      return Optional.of("loopback (127.0.0.0/8)");
    }
    if (o1 == 10) {
      return Optional.of("private network (10.0.0.0/8)");
    }
    if (o1 == 172 && (o2 & 0xf0) == 16) {
      return Optional.of("private network (172.16.0.0/12)");
    }
    if (o1 == 192 && o2 == 168) {
      return Optional.of("private network (192.168.0.0/16)");
    }
    if (o1 == 169 && o2 == 254) {
      return Optional.of("link-local / cloud metadata (169.254.0.0/16)");
    }
    if (o1 == 100 && (o2 & 0xc0) == 64) {
      return Optional.of("shared address space (100.64.0.0/10)");
    }
    if (o1 >= 224) {
      return Optional.of("multicast or reserved (224.0.0.0/3)");
    }
    return Optional.empty();
  }

  private static boolean isNat64(byte[] b) {
    // 64:ff9b::/96, the well-known NAT64 prefix
    if (b[0] != 0 || b[1] != 0x64 || b[2] != (byte) 0xff || b[3] != (byte) 0x9b) {
      return false;
    }
    for (int i = 4; i < 12; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Parses an IP literal without any DNS lookup; empty for a host name. */
  static Optional<InetAddress> literal(String host) {
    if (!IPV4_LITERAL.matcher(host).matches() && host.indexOf(':') < 0) {
      return Optional.empty();
    }
    try {
      // for text of these two forms getByName parses the literal and never queries DNS
      return Optional.of(InetAddress.getByName(host));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  private static String normalize(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }
}
