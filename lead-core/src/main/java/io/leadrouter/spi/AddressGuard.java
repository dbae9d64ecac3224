package io.leadrouter.spi;

import java.io.IOException;
import java.math.BigInteger;
import java.net.IDN;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.SocketFactory;

/**
 * The SSRF guard: decides which addresses an outgoing HTTP request may reach, on the address actually connected
 * to, whatever the URL's spelling of the host. Loopback, private, link-local (including the cloud metadata address
 * 169.254.169.254), shared (CGNAT), unspecified, reserved, multicast and unique-local IPv6 addresses are blocked, and
 * the cloud services outside those ranges (Azure's host agent 168.63.129.16, AWS metadata over IPv6 fd00:ec2::254 and
 * EKS Pod Identity credentials fd00:ec2::23,
 * Alibaba Cloud's metadata 100.100.100.200) by every guard, {@link #forCloudApi()} included,
 * also when embedded in IPv6 (IPv4-mapped {@code ::ffff:a.b.c.d}, IPv4-compatible, NAT64 {@code 64:ff9b::/96},
 * 6to4 {@code 2002::/16}, Teredo), unless the URL's host, or the address itself, is allow-listed. An allow-listed host
 * name may be on a private, loopback or link-local network, never at a cloud service's address (instance metadata
 * 169.254.169.254, AWS ECS and EKS credentials 169.254.170.2 and 169.254.170.23, and those above): only listing that
 * address itself allows it.
 *
 * <p>Three checks, each complete on its own for what it sees, so that no spelling slips through:
 * <ol>
 *   <li>{@link #checkHost} before a request: every address a host literal may denote (decimal {@code 2130706433},
 *   octal {@code 0177.1}, hex {@code 0x7f.0.0.1}, short {@code 127.1}, {@code 0}, IPv6 forms);
 *   <li>{@link #lookup} wraps the client's resolver, so names resolving to blocked addresses fail (and the
 *   returned addresses carry the name, for allow-listed names);
 *   <li>{@link #socketFactory()} checks the {@link InetSocketAddress} of every connection just before the socket
 *   connects, so a literal or resolver path the other checks do not know about is still refused.
 * </ol>
 * With OkHttp: {@code client.newBuilder().dns(h -> guard.lookup(h, base.dns()::lookup))
 * .socketFactory(guard.socketFactory()).followRedirects(false)}. Thread-safe and immutable.
 */
public final class AddressGuard {
  /** Digits, hex digits, {@code x} and dots: text a resolver ({@code inet_aton}, the JDK) may read as IPv4. */
  private static final Pattern IPV4_LIKE = Pattern.compile("[0-9a-fx.]+");
  /** fd00:ec2::254, where AWS serves instance metadata over IPv6 (Nitro instances). */
  private static final byte[] AWS_METADATA_V6 = {(byte) 0xfd, 0, 0x0e, (byte) 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0x02, 0x54};
  /** fd00:ec2::23, where the EKS Pod Identity Agent hands pods their AWS credentials over IPv6. */
  private static final byte[] AWS_POD_IDENTITY_V6 = {(byte) 0xfd, 0, 0x0e, (byte) 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 0x23};
  private static final String IPV4_MAPPED = "IPv4-mapped IPv6 (::ffff:0:0/96)";
  private static final Pattern IPV6_LIKE = Pattern.compile("[0-9a-f:.]+(%[0-9a-z_.-]+)?");
  /** The characters IDNA 2003 maps away and UTS #46 keeps: ß, ς, zero-width non-joiner and joiner. */
  private static final Pattern IDNA_DEVIATIONS = Pattern.compile("[\u00df\u03c2\u200c\u200d\u1e9e]");

  private final Set<String> allowedNames = new LinkedHashSet<>();
  private final Set<InetAddress> allowedAddresses = new LinkedHashSet<>();
  private final boolean allowPrivate;

  private AddressGuard(Collection<String> allowedHosts, boolean allowPrivate) {
    this.allowPrivate = allowPrivate;
    for (String h : allowedHosts) {
      String host = canonicalHost(Objects.requireNonNull(h, "allowedHosts element"));
      List<InetAddress> literal = literalReadings(host);
      if (literal.isEmpty()) {
        allowedNames.add(host);
      } else {
        allowedAddresses.addAll(literal);
      }
    }
  }

  /** A guard blocking every non-public address except those of the given host names and IP literals. */
  public static AddressGuard allowing(Collection<String> allowedHosts) {
    return new AddressGuard(List.copyOf(Objects.requireNonNull(allowedHosts, "allowedHosts")), false);
  }

  /** A guard blocking every non-public address, with no exceptions. */
  public static AddressGuard strict() {
    return new AddressGuard(List.of(), false);
  }

  /**
   * A guard for a vendor's cloud API (CRM sinks): blocks the link-local range (cloud instance metadata,
   * 169.254.0.0/16, fe80::/10), the other cloud services' addresses, unspecified, multicast and reserved addresses in
   * any spelling, but allows private networks, where Private Link endpoints live, and loopback where the URL names
   * it (an IP literal or {@code localhost}: a local test fake), never a host name that resolves to it.
   */
  public static AddressGuard forCloudApi() {
    return new AddressGuard(List.of(), true);
  }

  /** The guard's refusal among {@code e}, its causes and their suppressed exceptions, if any. */
  public static Optional<BlockedAddressException> blockedCause(Throwable e) {
    java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
    Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    if (e != null) {
      todo.add(e);
    }
    while (!todo.isEmpty() && seen.size() < 100) {
      Throwable t = todo.poll();
      if (!seen.add(t)) {
        continue;
      }
      if (t instanceof BlockedAddressException b) {
        return Optional.of(b);
      }
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      todo.addAll(List.of(t.getSuppressed()));
    }
    return Optional.empty();
  }

  /** Resolves host names to addresses; OkHttp's {@code Dns::lookup} and {@code InetAddress::getAllByName} fit. */
  @FunctionalInterface
  public interface Resolver {
    /** The addresses of {@code host}. */
    List<InetAddress> lookup(String host) throws UnknownHostException;
  }

  /**
   * Checks a URL's host before any request: if it is an IP literal in any spelling a resolver may accept, every
   * address it may denote must be allowed. Does nothing for a host name (the resolver check covers it).
   */
  public void checkHost(String host) throws BlockedAddressException {
    Objects.requireNonNull(host, "host");
    String h = canonicalHost(host);
    if (allowedNames.contains(h)) {
      return;
    }
    for (InetAddress a : literalReadings(h)) {
      judge(host, a, true);
    }
  }

  /**
   * Checks {@code host} as {@link #checkHost} does, then resolves it with {@code resolver} and checks every address.
   * The addresses returned carry
   * {@code host} as their name so that the connect-time check can tell an allow-listed name's address.
   */
  public List<InetAddress> lookup(String host, Resolver resolver) throws UnknownHostException {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(resolver, "resolver");
    // a literal the client took for a name (OkHttp reads 0xa9fea9fe or 0251.0376.0251.0376 as names) is judged as
    // the literal it is: refused as blocked, not left to a resolver that may read it (inet_aton) or fail (the JDK)
    checkHost(host);
    List<InetAddress> addresses = resolver.lookup(host);
    boolean allowedName = allowedNames.contains(canonicalHost(host));
    List<InetAddress> out = new ArrayList<>(addresses.size());
    for (InetAddress a : addresses) {
      if (allowedName) {
        judgeListedName(host, a, false);
      } else {
        judge(host, a, false);
      }
      out.add(named(host, a));
    }
    return out;
  }

  /** Checks resolved addresses of {@code host} without resolving. */
  public void checkResolved(String host, List<InetAddress> addresses) throws BlockedAddressException {
    boolean allowedName = allowedNames.contains(canonicalHost(host));
    for (InetAddress a : addresses) {
      if (allowedName) {
        judgeListedName(host, a, false);
      } else {
        judge(host, a, false);
      }
    }
  }

  /**
   * Checks the address a socket is about to connect to. An address from {@link #lookup} for an allow-listed name
   * passes (it carries that name); any other blocked address is refused.
   */
  public void checkConnect(SocketAddress endpoint) throws BlockedAddressException {
    if (!(endpoint instanceof InetSocketAddress target)) {
      return; // Unix domain sockets and the like are not network requests
    }
    String hostString = target.getHostString(); // never a reverse lookup
    if (target.isUnresolved()) {
      checkHost(hostString); // a SOCKS proxy resolves the name; a literal is still judged here
      return;
    }
    InetAddress a = target.getAddress();
    boolean literal = !literalReadings(hostString).isEmpty();
    if (allowedNames.contains(canonicalHost(hostString))) {
      judgeListedName(hostString, a, literal);
      return;
    }
    if (allowedAddresses.contains(a)) {
      return;
    }
    refuseLocalhostElsewhere(hostString, a, literal);
    Optional<Range> range = blocked(a, literal || namesLoopback(hostString));
    if (range.isPresent()) {
      throw new BlockedAddressException(hostString, a, range.get().description(), literal);
    }
  }

  /**
   * A socket factory whose sockets run {@link #checkConnect} before connecting. Plain sockets: a client's own
   * socket factory, if it had one, is replaced (TLS is layered on top by the HTTP client as usual).
   */
  public SocketFactory socketFactory() {
    return new GuardedSocketFactory(this);
  }

  private void judge(String host, InetAddress a, boolean literal) throws BlockedAddressException {
    refuseLocalhostElsewhere(host, a, literal);
    Optional<Range> range = blocked(a, literal || namesLoopback(host));
    if (range.isPresent() && !allowedAddresses.contains(a)) {
      throw new BlockedAddressException(host, a, range.get().description(), literal);
    }
  }

  /**
   * An allow-listed name lets its host be on a private, loopback or link-local network, not be a cloud platform's
   * instance metadata, credentials or host agent service ({@code 169.254.169.254}, {@code 169.254.170.2},
   * {@code 169.254.170.23}, {@code fd00:ec2::254}, {@code fd00:ec2::23}, {@code 168.63.129.16},
   * {@code 100.100.100.200}, also embedded in IPv6): those hand out the machine's credentials, and no receiver lives
   * there. Nor is a listed {@code localhost} another machine (see {@link #refuseLocalhostElsewhere}). A DNS answer for
   * the listed name that points there (a changed or hijacked record) is refused, unless that
   * address itself is listed.
   */
  private void judgeListedName(String host, InetAddress a, boolean literal) throws BlockedAddressException {
    if (!allowedAddresses.contains(a)) {
      refuseLocalhostElsewhere(host, a, literal); // a listed localhost is this machine, as every guard's is
    }
    byte[] b = a.getAddress();
    Optional<Range> range = (b.length == 4 ? ipv4Range(b) : ipv6Range(b)).filter(Range::cloudService);
    if (range.isPresent() && !allowedAddresses.contains(a)) {
      throw new BlockedAddressException(host, a, range.get().description(), literal);
    }
  }

  /**
   * The range this guard blocks {@code a} for, if any. A guard allowing private networks allows loopback only when
   * the URL names it ({@code urlNamesLoopback}: an IP literal, {@code localhost}): a test fake is written so, while
   * a cloud host name that DNS answers with a loopback address (a hijacked resolver, a {@code 127.0.0.1.nip.io}-style
   * name) would hand the request and its credentials to whatever listens on this machine.
   */
  private Optional<Range> blocked(InetAddress a, boolean urlNamesLoopback) {
    byte[] b = a.getAddress();
    Optional<Range> range = b.length == 4 ? ipv4Range(b) : ipv6Range(b);
    return allowPrivate ? range.filter(r -> !r.privateUse() || r.loopback() && !urlNamesLoopback) : range;
  }

  /**
   * A URL naming {@code localhost} is trusted as this machine (a test fake; the CRM sinks allow plain http to it): a
   * resolver answering it with another address (a hostile DNS, a tampered hosts file) would send the request, in
   * clear, elsewhere.
   */
  private static void refuseLocalhostElsewhere(String host, InetAddress a, boolean literal)
      throws BlockedAddressException {
    if (!literal && namesLoopback(host)) {
      byte[] b = a.getAddress();
      Optional<Range> range = b.length == 4 ? ipv4Range(b) : ipv6Range(b);
      if (range.isEmpty() || !range.get().loopback()) {
        throw new BlockedAddressException(host, a, "non-loopback (localhost must be this machine)", false);
      }
    }
  }

  /**
   * Whether a URL's host names this machine: {@code localhost} in any spelling {@link #canonicalHost} folds (case, a
   * trailing dot, full width), or an IP literal in any spelling whose every reading is a loopback address
   * ({@code 127.0.0.1}, {@code [::1]}, {@code [::ffff:127.0.0.1]}). The CRM sinks allow plain http to such a host only
   * (a local test fake; every guard refuses a {@code localhost} that resolves elsewhere). A name that merely resolves
   * to loopback ({@code 127.0.0.1.nip.io}) does not name this machine, nor does {@code 0.0.0.0}.
   */
  public static boolean namesThisMachine(String host) {
    String h = canonicalHost(host);
    List<InetAddress> readings = literalReadings(h);
    return h.equals("localhost") || !readings.isEmpty() && readings.stream().allMatch(a -> {
      byte[] b = a.getAddress();
      return (b.length == 4 ? ipv4Range(b) : ipv6Range(b)).filter(Range::loopback).isPresent();
    });
  }

  /** {@code localhost} or a name under it (RFC 6761: always this machine), as a URL names a local fake. */
  private static boolean namesLoopback(String host) {
    String h = canonicalHost(host);
    return h.equals("localhost") || h.endsWith(".localhost");
  }

  /**
   * A non-public range; {@code privateUse} for loopback and private networks (legitimate in private deployments),
   * {@code loopback} for this machine.
   */
  private record Range(String description, boolean privateUse, boolean loopback, boolean cloudService) {
    static Optional<Range> of(String description) {
      return Optional.of(new Range(description, false, false, false));
    }

    static Optional<Range> local(String description) {
      return Optional.of(new Range(description, true, false, false));
    }

    static Optional<Range> loopback(String description) {
      return Optional.of(new Range(description, true, true, false));
    }

    /** A cloud platform's own service (instance metadata, host agent): credentials for the asking. */
    static Optional<Range> cloudService(String description) {
      return Optional.of(new Range(description, false, false, true));
    }

    /**
     * This range's address embedded in an IPv6 {@code form}. Only an IPv4-mapped address is this machine's when its
     * IPv4 address is loopback (the JDK connects to {@code ::ffff:127.0.0.1} as 127.0.0.1); every other form leaves
     * this machine for a translator or relay (NAT64, 6to4, Teredo) or an IPv6 route (IPv4-compatible, translated),
     * where the embedded loopback is some other host's own: no test fake is there, and no cloud API either.
     */
    Range embeddedIn(String form) {
      boolean sameHost = form.equals(IPV4_MAPPED);
      return loopback && !sameHost ? new Range(description + " embedded in " + form, false, false, cloudService)
          : new Range(description + " embedded in " + form, privateUse, loopback, cloudService);
    }
  }

  private static InetAddress named(String host, InetAddress a) throws UnknownHostException {
    if (a instanceof Inet6Address v6 && v6.getScopeId() != 0) {
      return Inet6Address.getByAddress(host, v6.getAddress(), v6.getScopeId());
    }
    return InetAddress.getByAddress(host, a.getAddress());
  }

  /** Why an address is blocked (its range), or empty for a public address. */
  public static Optional<String> blockedRange(InetAddress a) {
    Objects.requireNonNull(a, "address");
    byte[] b = a.getAddress();
    return (b.length == 4 ? ipv4Range(b) : ipv6Range(b)).map(Range::description);
  }

  private static Optional<Range> ipv6Range(byte[] b) {
    if (prefixZero(b, 0, 15)) {
      return b[15] == 0 ? Range.of("unspecified (::)") : b[15] == 1 ? Range.loopback("loopback (::1)")
          : Range.of("IPv4-compatible IPv6 (::/96)");
    }
    if (prefixZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      return embedded(b, 12, IPV4_MAPPED);
    }
    if (prefixZero(b, 0, 8) && (b[8] & 0xff) == 0xff && (b[9] & 0xff) == 0xff && b[10] == 0 && b[11] == 0) {
      return embedded(b, 12, "IPv4-translated IPv6 (::ffff:0:0:0/96)");
    }
    if (prefixZero(b, 0, 12)) {
      return embedded(b, 12, "IPv4-compatible IPv6 (::/96)");
    }
    if (b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
      if (prefixZero(b, 4, 12)) {
        return embedded(b, 12, "NAT64 (64:ff9b::/96)");
      }
      if (b[4] == 0 && b[5] == 1) {
        return Range.of("local-use NAT64 (64:ff9b:1::/48)");
      }
    }
    if (b[0] == 0x20 && b[1] == 0x02) {
      return embedded(b, 2, "6to4 (2002::/16)");
    }
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
      // Teredo: the client's IPv4 address is stored inverted in the last four bytes
      byte[] client = {(byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]};
      Optional<Range> inner = ipv4Range(client);
      return inner.isPresent() ? inner.map(r -> r.embeddedIn("Teredo (2001::/32)")) : ipv4Range(slice(b, 4));
    }
    if (b[0] == 0x01 && b[1] == 0 && prefixZero(b, 2, 8)) {
      return Range.of("discard-only IPv6 (100::/64)");
    }
    if (b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
      return Range.of("documentation IPv6 (2001:db8::/32)");
    }
    if (Arrays.equals(b, AWS_METADATA_V6)) {
      return Range.cloudService("AWS instance metadata over IPv6 (fd00:ec2::254)"); // a unique local address, never private use
    }
    if (Arrays.equals(b, AWS_POD_IDENTITY_V6)) {
      return Range.cloudService("AWS EKS Pod Identity credentials over IPv6 (fd00:ec2::23)"); // unique local, as above
    }
    if ((b[0] & 0xfe) == 0xfc) {
      return Range.local("unique local IPv6 (fc00::/7)");
    }
    if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80) {
      return Range.of("link-local IPv6 (fe80::/10)");
    }
    if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
      return Range.local("site-local IPv6 (fec0::/10)");
    }
    if ((b[0] & 0xff) == 0xff) {
      return Range.of("multicast (ff00::/8)");
    }
    return Optional.empty();
  }

  /** An IPv4 address embedded at {@code from} reaches the same host: judge it (a public one passes). */
  private static Optional<Range> embedded(byte[] b, int from, String form) {
    return ipv4Range(slice(b, from)).map(r -> r.embeddedIn(form));
  }

  private static byte[] slice(byte[] b, int from) {
    return new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]};
  }

  private static boolean prefixZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static Optional<Range> ipv4Range(byte[] b) {
    int o1 = b[0] & 0xff;
    int o2 = b[1] & 0xff;
    int o3 = b[2] & 0xff;
    int o4 = b[3] & 0xff;
    if (o1 == 0) {
      return Range.of("unspecified (0.0.0.0/8)");
    }
    if (o1 == 127) {
      return Range.loopback("loopback (127.0.0.0/8)");
    }
    if (o1 == 10) {
      return Range.local("private network (10.0.0.0/8)");
    }
    if (o1 == 172 && (o2 & 0xf0) == 16) {
      return Range.local("private network (172.16.0.0/12)");
    }
    if (o1 == 192 && o2 == 168) {
      return Range.local("private network (192.168.0.0/16)");
    }
    if (o1 == 169 && o2 == 254 && (o3 == 169 && o4 == 254 || o3 == 170 && (o4 == 2 || o4 == 23))) {
      // AWS, Azure, Google Cloud and Oracle Cloud serve instance metadata (and its credentials) at .169.254, AWS ECS
      // task credentials at .170.2 and the EKS Pod Identity Agent at .170.23
      return Range.cloudService("link-local / cloud metadata (169.254.0.0/16)");
    }
    if (o1 == 169 && o2 == 254) {
      return Range.of("link-local / cloud metadata (169.254.0.0/16)");
    }
    if (o1 == 168 && o2 == 63 && o3 == 129 && o4 == 16) {
      // public-looking, but every Azure VM reaches its host agent there (VM extension settings, certificates)
      return Range.cloudService("Azure host agent (WireServer, 168.63.129.16)");
    }
    if (o1 == 100 && o2 == 100 && o3 == 100 && o4 == 200) {
      return Range.cloudService("Alibaba Cloud instance metadata (100.100.100.200)"); // inside the shared range below
    }
    if (o1 == 100 && (o2 & 0xc0) == 64) {
      return Range.local("shared address space (100.64.0.0/10)");
    }
    if (o1 == 192 && o2 == 0 && o3 == 0) {
      return Range.of("IETF protocol assignments (192.0.0.0/24)");
    }
    if (o1 == 198 && (o2 & 0xfe) == 18) {
      return Range.of("benchmarking (198.18.0.0/15)");
    }
    if (o1 >= 224) {
      return Range.of("multicast or reserved (224.0.0.0/3)");
    }
    return Optional.empty();
  }

  /**
   * Every address {@code host} may denote as an IP literal, under each reading a resolver applies (the JDK reads
   * {@code 0177} as decimal 177, {@code inet_aton} as octal 127): empty for a host name.
   */
  public static List<InetAddress> literalReadings(String host) {
    String h = canonicalHost(host);
    Set<InetAddress> out = new LinkedHashSet<>();
    if (h.indexOf(':') >= 0) {
      if (IPV6_LIKE.matcher(h).matches()) {
        // the zone (fe80::1%eth0, or %25eth0 as a URL writes it) picks an interface, not the range: judged without it,
        // since the JDK refuses a zone naming no interface here and the address would otherwise go unjudged
        String address = h.indexOf('%') >= 0 ? h.substring(0, h.indexOf('%')) : h;
        try {
          out.add(InetAddress.getByName(address)); // text with ':' is parsed as a literal, never looked up
        } catch (UnknownHostException | RuntimeException e) {
          // not an IPv6 literal: no address
        }
      }
    } else if (!h.isEmpty() && IPV4_LIKE.matcher(h).matches() && Character.isDigit(h.charAt(0))) {
      parseIpv4(h, true).ifPresent(out::add);
      parseIpv4(h, false).ifPresent(out::add);
    }
    return List.copyOf(out);
  }

  /**
   * Reads {@code a}, {@code a.b}, {@code a.b.c} or {@code a.b.c.d} as {@code inet_aton} does: the last part fills
   * the remaining bytes; parts are hex after {@code 0x}, octal after a leading {@code 0} (when {@code octal}, else
   * decimal as the JDK reads them).
   */
  private static Optional<InetAddress> parseIpv4(String h, boolean octal) {
    String[] parts = h.split("\\.", -1);
    if (parts.length > 4) {
      return Optional.empty();
    }
    long[] v = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      Optional<Long> n = number(parts[i], octal);
      if (n.isEmpty()) {
        return Optional.empty();
      }
      v[i] = n.get();
    }
    long value = 0;
    for (int i = 0; i < v.length - 1; i++) {
      if (v[i] > 0xff) {
        return Optional.empty();
      }
      value |= v[i] << (24 - 8 * i);
    }
    long last = v[v.length - 1];
    if (last >= 1L << (8 * (5 - v.length))) {
      return Optional.empty();
    }
    value |= last;
    byte[] b = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    try {
      return Optional.of(InetAddress.getByAddress(b));
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // four bytes are always an address
    }
  }

  private static Optional<Long> number(String part, boolean octal) {
    String digits = part;
    int radix = 10;
    if (part.startsWith("0x")) {
      digits = part.substring(2);
      radix = 16;
    } else if (octal && part.length() > 1 && part.charAt(0) == '0') {
      digits = part.substring(1);
      radix = 8;
    }
    if (digits.isEmpty()) {
      return radix == 16 ? Optional.of(0L) : Optional.empty();
    }
    try {
      // any number of leading zeros, as strtoul reads them; values beyond 32 bits are no address
      BigInteger n = new BigInteger(digits, radix);
      return n.bitLength() > 32 ? Optional.empty() : Optional.of(n.longValue());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * The one spelling under which the guard (and an allow-list) compares hosts: white space around it and IPv6 brackets
   * removed, an internationalised name converted to ASCII (IDNA: {@code Bücher.example} is
   * {@code xn--bcher-kva.example}, full-width {@code １２７．０．０．１} is {@code 127.0.0.1}), lower case, and one trailing
   * dot removed ({@code crm.example.com.} is the absolute spelling of {@code crm.example.com}). An HTTP client hands
   * the guard a URL's host already in ASCII, so two spellings of one host compare equal, and two hosts never do.
   *
   * <p>A name the JDK's IDNA (2003) and browsers' and OkHttp's (UTS #46) convert differently — holding {@code ß},
   * final sigma {@code ς} or a zero-width joiner, which IDNA 2003 maps away — or one the JDK cannot convert (characters
   * newer than its Unicode tables) is left unconverted, lower case: it then matches no host a client connects to,
   * rather than the other host the JDK's reading names ({@code straße.example} is not {@code strasse.example}).
   */
  public static String canonicalHost(String host) {
    String h = Objects.requireNonNull(host, "host").strip();
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (!ascii(h) && !IDNA_DEVIATIONS.matcher(h).find()) {
      try {
        h = IDN.toASCII(h);
      } catch (IllegalArgumentException e) {
        // unconvertible: compared as written, so it equals no ASCII host
      }
    }
    h = h.toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  /** Whether {@code s} is all ASCII, as a client hands the guard a host: no IDNA then (a loop: it runs per connection). */
  private static boolean ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "AddressGuard[allowed names " + allowedNames + ", allowed addresses " + allowedAddresses.size() + "]";
  }

  private static final class GuardedSocketFactory extends SocketFactory {
    private final AddressGuard guard;

    GuardedSocketFactory(AddressGuard guard) {
      this.guard = guard;
    }

    @Override
    public Socket createSocket() {
      return new GuardedSocket(guard);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connected(null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return connected(new InetSocketAddress(localHost, localPort), new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connected(null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return connected(new InetSocketAddress(localAddress, localPort), new InetSocketAddress(address, port));
    }

    /** A guarded socket bound to {@code local} (unless null) and connected to {@code remote}, if the guard allows. */
    private Socket connected(InetSocketAddress local, InetSocketAddress remote) throws IOException {
      Socket s = new GuardedSocket(guard);
      try {
        if (local != null) {
          s.bind(local);
        }
        s.connect(remote);
        return s;
      } catch (IOException | RuntimeException e) {
        s.close();
        throw e;
      }
    }
  }

  /** A plain socket that asks the guard before every connect. */
  private static final class GuardedSocket extends Socket {
    private final AddressGuard guard;

    GuardedSocket(AddressGuard guard) {
      this.guard = guard;
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
      try {
        guard.checkConnect(endpoint);
      } catch (BlockedAddressException e) {
        close();
        throw e;
      }
      super.connect(endpoint, timeout);
    }
  }
}
