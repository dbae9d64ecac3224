package io.leadrouter.http.internal;

import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.net.SocketFactory;
import okhttp3.Authenticator;
import okhttp3.Dns;
import okhttp3.Headers;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Sends a guarded client's connections through its proxy pinned to the address the guard judged. OkHttp, told to
 * use a proxy, hands the URL's host name to it ({@code CONNECT crm.example.com:443}, a SOCKS request by name) and the
 * proxy resolves it again: a DNS answer that changed between our judgement and the proxy's lookup (rebinding), or a
 * proxy whose resolver sees internal names, reached whatever address the proxy chose. Here OkHttp is told to connect
 * directly, so it resolves the host with the guarded {@code Dns} and keeps the URL's host for TLS (SNI, certificate
 * check) and the {@code Host} header; the socket then opens the tunnel itself, to the judged IP literal: an HTTP
 * proxy gets {@code CONNECT 203.0.113.7:443} (plain http too: the proxy cannot resolve anything), a SOCKS5 proxy a
 * request by address. The proxy's own address is judged as every connection is.
 *
 * <p>Hosts the client lists as resolved by the proxy ({@code proxyResolvedHosts}: an explicit opt-out, for networks
 * where only the proxy resolves external names or where it allows tunnels by name) go to the proxy by name instead,
 * and only when a proxy carries the call: the guarded {@code Dns} hands OkHttp a placeholder address carrying the name
 * (never looked up here), and the socket asks the proxy for the name ({@code CONNECT hooks.example.com:443}, a SOCKS5
 * request by domain name). The placeholder is never connected to: a direct route for it fails. Not API.
 */
public final class PinnedProxies {
  /** Bound on a proxy's answer head: a hostile proxy cannot make us buffer more. */
  private static final int MAX_HEAD_BYTES = 64 * 1024;
  private static final int MAX_ROUTES = 1024;
  /** A host name as DNS holds it, after IDNA: labels of letters, digits, {@code -} and {@code _}, at most 253. */
  private static final Pattern HOST_NAME = Pattern.compile("(?=.{1,253}$)[a-z0-9_-]+(\\.[a-z0-9_-]+)*");

  private final AddressGuard guard;
  private final Dns dns;
  private final Proxy proxy;
  private final ProxySelector selector;
  private final Authenticator proxyAuthenticator;
  /** Host names (as {@link AddressGuard#canonicalHost} folds them) the proxy is asked for by name, when proxied. */
  private final Set<String> proxyResolved;
  /** The proxy the client's settings chose for each origin ({@code host:port}), recorded when OkHttp asks. */
  private final Map<String, Proxy> routes = new ConcurrentHashMap<>();

  /**
   * @param guard judges targets and the proxy
   * @param dns the client's resolver (unguarded; the guard wraps it)
   * @param proxy the client's fixed proxy, or null to ask {@code selector}
   * @param selector the client's proxy selector
   * @param proxyAuthenticator the client's proxy authenticator
   * @param proxyResolvedHosts host names the proxy is asked for by name when a proxy carries the call (see
   *     {@link #checkProxyResolvedHost})
   * @throws IllegalArgumentException naming an entry of {@code proxyResolvedHosts} that is no host name
   */
  public PinnedProxies(AddressGuard guard, Dns dns, Proxy proxy, ProxySelector selector,
      Authenticator proxyAuthenticator, Collection<String> proxyResolvedHosts) {
    this.guard = guard;
    this.dns = dns;
    this.proxy = proxy;
    this.selector = selector;
    this.proxyAuthenticator = proxyAuthenticator == null ? Authenticator.NONE : proxyAuthenticator;
    Set<String> names = new LinkedHashSet<>();
    for (String h : proxyResolvedHosts) {
      names.add(checkProxyResolvedHost(h));
    }
    this.proxyResolved = Set.copyOf(names);
  }

  /**
   * The host name the proxy may be asked for, folded as an allow-list folds names ({@link AddressGuard#canonicalHost}:
   * IDNA to ASCII, lower case, one trailing dot removed).
   *
   * @throws IllegalArgumentException for a blank entry, an IP literal in any spelling a resolver reads (its address
   *     is what the tunnel is pinned to anyway), {@code localhost} or a name under it (the proxy would reach itself),
   *     or text that is no host name (a URL, a port, user info, a pattern)
   */
  public static String checkProxyResolvedHost(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("proxyResolvedHosts: an entry is blank: list host names");
    }
    String h = AddressGuard.canonicalHost(host);
    if (!AddressGuard.literalReadings(h).isEmpty()) {
      throw new IllegalArgumentException("proxyResolvedHosts: '" + host.strip() + "' is an IP address, not a name:"
          + " the proxy is asked for a judged address anyway; list host names only");
    }
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      throw new IllegalArgumentException("proxyResolvedHosts: '" + host.strip() + "' names the machine that resolves"
          + " it, which through a proxy is the proxy's own: list external host names only");
    }
    if (!HOST_NAME.matcher(h).matches()) {
      throw new IllegalArgumentException("proxyResolvedHosts: '" + host.strip() + "' is not a host name: list host"
          + " names only, without scheme, port or path");
    }
    return h;
  }

  /**
   * The selector to install on the client: records the proxy the client's own settings choose for an origin and
   * answers "direct", so that OkHttp resolves the host (with the guard) and the socket tunnels through that proxy.
   */
  public ProxySelector selector() {
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        Proxy chosen = choose(uri);
        if (routes.size() > MAX_ROUTES) {
          routes.clear(); // a sink calls one or two origins; bounded all the same
        }
        routes.put(key(uri.getHost(), port(uri)), chosen);
        return List.of(Proxy.NO_PROXY);
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        if (proxy == null && selector != null) {
          selector.connectFailed(uri, sa, ioe);
        }
      }
    };
  }

  /** Whether calls to {@code host} go through a proxy (as last recorded for any of its ports). */
  private boolean proxied(String host) {
    String prefix = key(host, 0);
    prefix = prefix.substring(0, prefix.lastIndexOf(':') + 1);
    for (Map.Entry<String, Proxy> e : routes.entrySet()) {
      if (e.getKey().startsWith(prefix) && e.getValue().type() != Proxy.Type.DIRECT) {
        return true;
      }
    }
    return false;
  }

  /**
   * The resolver to install on the client: the client's own, wrapped by the guard, so every answer is judged; a host
   * listed as resolved by the proxy, while a proxy carries its calls, is not looked up at all (this machine may not
   * resolve it): its placeholder address tells the socket to ask the proxy for the name.
   */
  public Dns dns() {
    return host -> {
      if (proxyResolved.contains(AddressGuard.canonicalHost(host)) && proxied(host)) {
        guard.checkHost(host); // the name's spelling is judged as any host's (listed entries are never literals)
        return List.of(placeholder(host));
      }
      try {
        return guard.lookup(host, dns::lookup);
      } catch (BlockedAddressException e) {
        throw e;
      } catch (UnknownHostException e) {
        if (!proxied(host)) {
          throw e;
        }
        UnknownHostException told = new UnknownHostException(unresolvableThroughProxy(host));
        told.initCause(e);
        throw told;
      }
    };
  }

  /**
   * The address standing for a name the proxy resolves: in the discard-only prefix {@code 100::/64} (RFC 6666; every
   * guard blocks it), its last 64 bits from the name, so that two such hosts never share an address (OkHttp would
   * otherwise pool or coalesce their connections as one route), carrying the name.
   */
  private static InetAddress placeholder(String host) throws UnknownHostException {
    byte[] b = new byte[16];
    b[0] = 1;
    System.arraycopy(sha256(AddressGuard.canonicalHost(host)), 0, b, 8, 8);
    return InetAddress.getByAddress(host, b);
  }

  /** Whether {@code target} is the placeholder of its name (from {@link #dns()}), not an address to connect to. */
  private boolean isPlaceholder(InetSocketAddress target) throws UnknownHostException {
    String host = target.getHostString();
    return proxyResolved.contains(AddressGuard.canonicalHost(host))
        && Arrays.equals(target.getAddress().getAddress(), placeholder(host).getAddress());
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** The sockets to install on the client: each checks its target with the guard, then connects or tunnels. */
  public SocketFactory socketFactory() {
    return new SocketFactory() {
      @Override
      public Socket createSocket() {
        return new PinnedSocket();
      }

      @Override
      public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
      }

      @Override
      public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port));
      }

      @Override
      public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
      }

      @Override
      public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
          throws IOException {
        return connected(new InetSocketAddress(address, port));
      }

      private Socket connected(InetSocketAddress target) throws IOException {
        Socket s = new PinnedSocket();
        try {
          s.connect(target);
          return s;
        } catch (IOException | RuntimeException e) {
          s.close();
          throw e;
        }
      }
    };
  }

  private Proxy choose(URI uri) {
    if (proxy != null) {
      return proxy;
    }
    try {
      List<Proxy> proxies = selector == null ? null : selector.select(uri);
      return proxies == null || proxies.isEmpty() ? Proxy.NO_PROXY : proxies.get(0);
    } catch (RuntimeException e) {
      return Proxy.NO_PROXY; // OkHttp falls back to a direct connection when the selector fails
    }
  }

  /** The proxy for a connection to {@code target}: as recorded for its origin, else as the settings give it. */
  private Proxy proxyFor(InetSocketAddress target) {
    Proxy recorded = routes.get(key(target.getHostString(), target.getPort()));
    if (recorded != null) {
      return recorded;
    }
    String host = target.getAddress() instanceof Inet6Address ? "[" + literal(target.getAddress()) + "]"
        : target.getHostString();
    return choose(URI.create((target.getPort() == 80 ? "http" : "https") + "://" + host + ":" + target.getPort()));
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
  }

  /** One key for an origin, whether OkHttp spelt its host in a URL ({@code [::1]}) or in an address. */
  private static String key(String host, int port) {
    String h = AddressGuard.canonicalHost(host == null ? "" : host);
    List<InetAddress> literal = AddressGuard.literalReadings(h);
    if (literal.size() == 1) {
      h = literal(literal.get(0));
    }
    return h + ":" + port;
  }

  /** An address as text, without an IPv6 zone (a proxy cannot use ours). */
  private static String literal(InetAddress a) {
    String s = a.getHostAddress();
    int zone = s.indexOf('%');
    return zone >= 0 ? s.substring(0, zone) : s;
  }

  /** A plain socket that asks the guard, then connects directly or through the proxy pinned to the judged address. */
  private final class PinnedSocket extends Socket {
    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
      try {
        boolean byName = endpoint instanceof InetSocketAddress t && !t.isUnresolved() && isPlaceholder(t);
        if (!byName) {
          guard.checkConnect(endpoint);
        }
        if (!(endpoint instanceof InetSocketAddress target) || target.isUnresolved()) {
          super.connect(endpoint, timeout);
          return;
        }
        Proxy p = proxyFor(target);
        if (p.type() == Proxy.Type.DIRECT) {
          if (byName) {
            // the route changed between the lookup and the connection: the placeholder is no address to connect to
            throw new IOException(target.getHostString() + " is resolved by the proxy, but its connection is direct"
                + " now (the proxy settings changed): not connected");
          }
          super.connect(endpoint, timeout);
          return;
        }
        InetSocketAddress at;
        try {
          at = proxyAddress(p);
          guard.checkConnect(at);
        } catch (BlockedAddressException e) {
          throw e.ofProxy(); // the proxy's address, not the destination's: the fix is the proxy settings
        }
        super.connect(at, timeout);
        int readTimeout = getSoTimeout();
        setSoTimeout(timeout > 0 ? timeout : readTimeout);
        // the judged address as an HTTP proxy's authority and SOCKS5 request reads it, or the listed name
        String host = byName ? target.getHostString() : literal(target.getAddress());
        if (p.type() == Proxy.Type.HTTP) {
          httpTunnel(this, at, host, target.getPort());
        } else {
          socks5(this, at, byName ? null : target.getAddress(), host, target.getPort());
        }
        setSoTimeout(readTimeout);
      } catch (IOException | RuntimeException e) {
        close();
        throw e;
      }
    }
  }

  /** The proxy's address, its name resolved with the client's resolver under the guard. */
  private InetSocketAddress proxyAddress(Proxy p) throws IOException {
    if (!(p.address() instanceof InetSocketAddress a)) {
      throw new IOException("proxy " + p + " has no network address");
    }
    if (!a.isUnresolved()) {
      return a;
    }
    List<InetAddress> addresses = guard.lookup(a.getHostString(), dns::lookup);
    if (addresses.isEmpty()) {
      throw new UnknownHostException("proxy " + a.getHostString() + ": no address");
    }
    return new InetSocketAddress(addresses.get(0), a.getPort());
  }

  /**
   * {@code CONNECT <judged address>:<port>} (or {@code <listed name>:<port>}) on {@code s}, with the client's proxy
   * authenticator asked first (as OkHttp asks it, pre-emptively) and again on a 407 the proxy keeps the connection
   * open after.
   */
  private void httpTunnel(Socket s, InetSocketAddress proxyAt, String host, int port) throws IOException {
    String authority = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    Request connect = new Request.Builder().url("https://" + authority + "/").method("CONNECT", null)
        .header("Host", authority).header("Proxy-Connection", "Keep-Alive").build();
    Request authed = proxyAuthenticator.authenticate(null, new Response.Builder().request(connect)
        .protocol(Protocol.HTTP_1_1).code(407).message("Preemptive Authenticate")
        .header("Proxy-Authenticate", "OkHttp-Preemptive").sentRequestAtMillis(-1L).receivedResponseAtMillis(-1L)
        .build());
    if (authed != null) {
      connect = authed;
    }
    OutputStream out = s.getOutputStream();
    InputStream in = s.getInputStream();
    for (int attempt = 0; attempt < 3; attempt++) {
      StringBuilder head = new StringBuilder("CONNECT ").append(authority).append(" HTTP/1.1\r\n");
      Headers headers = connect.headers();
      for (int i = 0; i < headers.size(); i++) {
        head.append(headers.name(i)).append(": ").append(headers.value(i)).append("\r\n");
      }
      out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String[] lines = readHead(in, proxyAt);
      String[] status = lines[0].split(" ", 3);
      int code;
      try {
        code = status.length >= 2 && status[0].startsWith("HTTP/") ? Integer.parseInt(status[1]) : -1;
      } catch (NumberFormatException e) {
        code = -1;
      }
      if (code >= 200 && code <= 299) {
        return;
      }
      String said = lines[0].length() > 200 ? lines[0].substring(0, 200) + "…" : lines[0];
      if (code != 407) {
        throw new IOException("proxy " + proxyAt + " refused CONNECT " + authority + ": " + said);
      }
      Headers.Builder answer = new Headers.Builder();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          try {
            answer.add(lines[i].substring(0, colon).strip(), lines[i].substring(colon + 1).strip());
          } catch (IllegalArgumentException e) {
            // a header OkHttp would not accept: not one the authenticator needs
          }
        }
      }
      Headers h = answer.build();
      Request next = proxyAuthenticator.authenticate(null, new Response.Builder().request(connect)
          .protocol(Protocol.HTTP_1_1).code(407).message(status.length > 2 ? status[2] : "").headers(h)
          .sentRequestAtMillis(-1L).receivedResponseAtMillis(-1L).build());
      if (next == null) {
        throw new IOException("proxy " + proxyAt + " requires authentication for CONNECT " + authority + " (" + said
            + "): give the client a proxyAuthenticator");
      }
      if ("close".equalsIgnoreCase(h.get("Connection")) || !drain(in, h.get("Content-Length"))) {
        throw new IOException("proxy " + proxyAt + " closed the connection after asking for authentication ("
            + said + ")");
      }
      connect = next;
    }
    throw new IOException("proxy " + proxyAt + " kept asking for authentication for CONNECT " + authority);
  }

  /** Reads a body of {@code length} bytes (absent: none) off the stream; false when it cannot be skipped safely. */
  private static boolean drain(InputStream in, String length) throws IOException {
    long n;
    try {
      n = length == null ? 0 : Long.parseLong(length.strip());
    } catch (NumberFormatException e) {
      return false;
    }
    if (n < 0 || n > MAX_HEAD_BYTES) {
      return false;
    }
    return in.readNBytes((int) n).length == n;
  }

  /** The status line and header lines of a proxy's answer, read byte by byte so the tunnel's bytes stay unread. */
  private static String[] readHead(InputStream in, InetSocketAddress proxyAt) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last = -1;
    int beforeLast = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("proxy " + proxyAt + " closed the connection before answering CONNECT");
      }
      if (head.size() >= MAX_HEAD_BYTES) {
        throw new IOException("proxy " + proxyAt + " answered CONNECT with a head over " + MAX_HEAD_BYTES + " bytes");
      }
      head.write(b);
      // a blank line ends the head: CRLF CRLF, or a bare LF LF as lenient proxies write it
      if (b == '\n' && head.size() > 2 && (last == '\n' || last == '\r' && beforeLast == '\n')) {
        break;
      }
      beforeLast = last;
      last = b;
    }
    return head.toString(StandardCharsets.ISO_8859_1).strip().split("\r?\n");
  }

  /**
   * A SOCKS5 request (RFC 1928) by {@code address}, or by the listed name {@code host} when {@code address} is null;
   * user and password (RFC 1929) as the JDK finds them.
   */
  private static void socks5(Socket s, InetSocketAddress proxyAt, InetAddress address, String host, int port)
      throws IOException {
    OutputStream out = s.getOutputStream();
    InputStream in = s.getInputStream();
    out.write(new byte[] {5, 2, 0, 2}); // version 5; methods: no authentication, user/password
    out.flush();
    byte[] chosen = readFully(in, 2, proxyAt);
    if (chosen[0] != 5) {
      throw new IOException("proxy " + proxyAt + " does not speak SOCKS5");
    }
    if (chosen[1] == 2) {
      PasswordAuthentication pw = java.net.Authenticator.requestPasswordAuthentication(proxyAt.getHostString(),
          proxyAt.getAddress(), proxyAt.getPort(), "SOCKS5", "SOCKS authentication", null);
      byte[] user = (pw == null ? System.getProperty("user.name", "") : pw.getUserName())
          .getBytes(StandardCharsets.UTF_8);
      byte[] pass = pw == null ? new byte[0] : new String(pw.getPassword()).getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream auth = new ByteArrayOutputStream();
      auth.write(1);
      auth.write(Math.min(user.length, 255));
      auth.write(user, 0, Math.min(user.length, 255));
      auth.write(Math.min(pass.length, 255));
      auth.write(pass, 0, Math.min(pass.length, 255));
      out.write(auth.toByteArray());
      out.flush();
      if (readFully(in, 2, proxyAt)[1] != 0) {
        throw new IOException("SOCKS proxy " + proxyAt + " refused the user name and password");
      }
    } else if (chosen[1] != 0) {
      throw new IOException("SOCKS proxy " + proxyAt + " accepts none of the authentication methods offered");
    }
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    if (address == null) {
      byte[] name = host.getBytes(StandardCharsets.US_ASCII); // a listed name: at most 253 ASCII characters
      request.write(new byte[] {5, 1, 0, 3, (byte) name.length});
      request.write(name);
    } else {
      byte[] a = address.getAddress();
      request.write(new byte[] {5, 1, 0, (byte) (a.length == 4 ? 1 : 4)});
      request.write(a);
    }
    request.write(port >> 8);
    request.write(port & 0xff);
    out.write(request.toByteArray());
    out.flush();
    byte[] reply = readFully(in, 4, proxyAt);
    if (reply[1] != 0) {
      throw new IOException("SOCKS proxy " + proxyAt + " refused to connect to " + host + ":" + port + " (reply "
          + (reply[1] & 0xff) + ")");
    }
    int bound = switch (reply[3]) {
      case 1 -> 4;
      case 4 -> 16;
      case 3 -> readFully(in, 1, proxyAt)[0] & 0xff;
      default -> throw new IOException("SOCKS proxy " + proxyAt + " answered an unknown address type "
          + (reply[3] & 0xff));
    };
    readFully(in, bound + 2, proxyAt);
  }

  private static byte[] readFully(InputStream in, int n, InetSocketAddress proxyAt) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length < n) {
      throw new IOException("SOCKS proxy " + proxyAt + " closed the connection during the handshake");
    }
    return b;
  }

  @Override
  public String toString() {
    return "PinnedProxies[" + (proxy != null ? proxy : selector) + "]";
  }

  /** What {@link #unresolvableThroughProxy} says after the host, by which such a failure is told apart. */
  public static final String UNRESOLVABLE_THROUGH_PROXY = " does not resolve on this machine: through a proxy, the"
      + " address guard resolves the host here, judges the address and pins the proxy's tunnel to it, so the name must"
      + " resolve here too";

  /** For messages: how a host's lookup failure reads when the call goes through a proxy. */
  public static String unresolvableThroughProxy(String host) {
    return host.toLowerCase(Locale.ROOT) + UNRESOLVABLE_THROUGH_PROXY;
  }
}
