package io.leadrouter.https;

import io.leadrouter.Problem;
import io.leadrouter.https.internal.SafeUrl;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.Secret;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * The settings of an {@link HttpsSink}, as read from a descriptor or set on the builder. {@link #problems()} lists
 * whatever is wrong, each under its descriptor key. {@code toString()} shows no secret and no URL query.
 *
 * @param url where leads are POSTed; {@code https}, or {@code http} to a host in {@code allowHttpHosts}
 * @param signingSecrets Standard Webhooks secrets ({@code whsec_...}), the current one first; each signs every post
 * @param headers static headers sent with every post
 * @param secretHeaders static headers whose values are credentials (e.g. an API key)
 * @param connectTimeout longest wait for a connection
 * @param callTimeout longest wait for a whole delivery (connect, send, answer)
 * @param allowedHosts host names or IP literals that may be (or resolve to) private addresses
 * @param allowHttpHosts hosts that may be reached over plain {@code http}
 * @param proxyResolvedHosts host names the proxy is asked for by name, unresolved here, when the application's client
 *     sends through a proxy (an opt-out from pinning the tunnel to the judged address; see
 *     {@link HttpsSink.Builder#proxyResolvesHost})
 * @param maxConcurrency most deliveries in flight at once
 * @param rememberedIds how many acknowledged lead ids the sink remembers to report redeliveries as updates
 */
public record HttpsConfig(
    URI url,
    List<Secret> signingSecrets,
    Map<String, String> headers,
    Map<String, Secret> secretHeaders,
    Duration connectTimeout,
    Duration callTimeout,
    Set<String> allowedHosts,
    Set<String> allowHttpHosts,
    Set<String> proxyResolvedHosts,
    int maxConcurrency,
    int rememberedIds) {

  /** Descriptor key of {@link #url()}. */
  public static final String URL = "url";
  /** Descriptor key of {@link #signingSecrets()}: one secret, or several separated by spaces. */
  public static final String SIGNING_SECRET = "signingSecret";
  /** Descriptor key prefix of {@link #headers()}: {@code headers.X-Source: leadrouter}. */
  public static final String HEADERS = "headers";
  /** Descriptor key prefix of {@link #secretHeaders()}: {@code secretHeaders.X-Api-Key: ${API_KEY}}. */
  public static final String SECRET_HEADERS = "secretHeaders";
  /** Descriptor key of {@link #connectTimeout()}. */
  public static final String CONNECT_TIMEOUT = "connectTimeout";
  /** Descriptor key of {@link #callTimeout()}. */
  public static final String CALL_TIMEOUT = "callTimeout";
  /** Descriptor key of {@link #allowedHosts()}: comma-separated. */
  public static final String ALLOWED_HOSTS = "allowedHosts";
  /** Descriptor key of {@link #allowHttpHosts()}: comma-separated. */
  public static final String ALLOW_HTTP_HOSTS = "allowHttpHosts";
  /** Descriptor key of {@link #proxyResolvedHosts()}: comma-separated. */
  public static final String PROXY_RESOLVED_HOSTS = "proxyResolvedHosts";
  /** Descriptor key of {@link #maxConcurrency()}. */
  public static final String MAX_CONCURRENCY = "maxConcurrency";
  /** Default {@link #connectTimeout()}. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Default {@link #callTimeout()}. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);
  /** Default {@link #maxConcurrency()}. */
  public static final int DEFAULT_MAX_CONCURRENCY = 4;
  /** Default {@link #rememberedIds()}. */
  public static final int DEFAULT_REMEMBERED_IDS = 10_000;

  /** A host name as DNS holds it, after IDNA: labels of letters, digits, {@code -} and {@code _}. */
  private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9_-]+(\\.[a-z0-9_-]+)*");
  /** {@code host:port} or {@code [v6]:port}: a host with a port, which allow-lists do not take. */
  private static final Pattern HOST_PORT = Pattern.compile("(\\[[^\\]]*\\]|[^:\\[\\]]+):[0-9]+");
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern HEADER_VALUE = Pattern.compile("[\\t\\x20-\\x7e]*");
  private static final Set<String> RESERVED = Set.of("webhook-id", "webhook-timestamp", "webhook-signature",
      "content-type", "content-length", "host", "transfer-encoding", "connection");
  /**
   * Hop-by-hop headers (RFC 9110 §7.6.1) and those that change how a connection is used: {@code Upgrade} switches
   * protocols, {@code Expect} makes the client wait for a 100 before the body, {@code Proxy-*} speak to a proxy.
   */
  private static final Set<String> HOP_BY_HOP = Set.of("upgrade", "te", "expect", "keep-alive", "trailer",
      "proxy-connection", "http2-settings");

  /** Checks parts are present and copies the collections. */
  public HttpsConfig {
    Objects.requireNonNull(url, "url");
    signingSecrets = List.copyOf(Objects.requireNonNull(signingSecrets, "signingSecrets"));
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(headers, "headers")));
    secretHeaders = Collections.unmodifiableMap(
        new LinkedHashMap<>(Objects.requireNonNull(secretHeaders, "secretHeaders")));
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(callTimeout, "callTimeout");
    allowedHosts = Collections.unmodifiableSet(
        new LinkedHashSet<>(Objects.requireNonNull(allowedHosts, "allowedHosts")));
    allowHttpHosts = Collections.unmodifiableSet(
        new LinkedHashSet<>(Objects.requireNonNull(allowHttpHosts, "allowHttpHosts")));
    proxyResolvedHosts = Collections.unmodifiableSet(
        new LinkedHashSet<>(Objects.requireNonNull(proxyResolvedHosts, "proxyResolvedHosts")));
  }

  /** The settings as before {@link #proxyResolvedHosts()} existed: every host's proxy tunnel pinned. */
  public HttpsConfig(URI url, List<Secret> signingSecrets, Map<String, String> headers,
      Map<String, Secret> secretHeaders, Duration connectTimeout, Duration callTimeout, Set<String> allowedHosts,
      Set<String> allowHttpHosts, int maxConcurrency, int rememberedIds) {
    this(url, signingSecrets, headers, secretHeaders, connectTimeout, callTimeout, allowedHosts, allowHttpHosts,
        Set.of(), maxConcurrency, rememberedIds);
  }

  /** Every problem, each with its descriptor key as path; empty when the settings are usable. */
  public List<Problem> problems() {
    return problems(url, signingSecrets, headers, secretHeaders, connectTimeout, callTimeout, allowedHosts,
        allowHttpHosts, proxyResolvedHosts, maxConcurrency, rememberedIds);
  }

  /**
   * Every problem with settings as a builder holds them, a {@code null} URL being "required": the one place the
   * HTTPS sink's settings are checked ({@link HttpsSink.Builder#build()}).
   */
  static List<Problem> problems(URI url, List<Secret> signingSecrets, Map<String, String> headers,
      Map<String, Secret> secretHeaders, Duration connectTimeout, Duration callTimeout, Set<String> allowedHosts,
      Set<String> allowHttpHosts, Set<String> proxyResolvedHosts, int maxConcurrency, int rememberedIds) {
    List<Problem> out = new ArrayList<>();
    if (url == null) {
      out.add(new Problem(URL, "is required", "set url to an https:// URL"));
    } else {
      checkUrl(out, url, allowHttpHosts);
    }
    allowedHosts.forEach(host -> hostProblem(ALLOWED_HOSTS, host).ifPresent(out::add));
    allowHttpHosts.forEach(host -> hostProblem(ALLOW_HTTP_HOSTS, host).ifPresent(out::add));
    HttpUrl parsedUrl = url == null ? null : HttpUrl.parse(url.toString());
    proxyResolvedHosts.forEach(host -> proxyResolvedProblem(host, parsedUrl).ifPresent(out::add));
    if (signingSecrets.isEmpty()) {
      out.add(new Problem(SIGNING_SECRET, "is required", "set " + SIGNING_SECRET
          + " as ${ENV_VAR} or ${file:/path/to/file} holding whsec_ + base64 of 24 to 64 random bytes"));
    } else {
      try {
        WebhookSigner.of(signingSecrets);
      } catch (IllegalArgumentException e) {
        out.add(new Problem(SIGNING_SECRET, e.getMessage(),
            "use whsec_ + base64 of 24 to 64 random bytes, e.g. from: openssl rand -base64 32"));
      }
    }
    headers.forEach((name, value) -> checkHeader(out, HEADERS, name, value, true));
    secretHeaders.forEach((name, value) -> checkHeader(out, SECRET_HEADERS, name, value.reveal(), false));
    positive(out, CONNECT_TIMEOUT, connectTimeout);
    positive(out, CALL_TIMEOUT, callTimeout);
    if (maxConcurrency < 1 || maxConcurrency > 256) {
      out.add(new Problem(MAX_CONCURRENCY, maxConcurrency + " is out of range", "use a value from 1 to 256"));
    }
    if (rememberedIds < 1) {
      out.add(new Problem("rememberedIds", rememberedIds + " is out of range", "use a positive number"));
    }
    return out;
  }

  private static void checkUrl(List<Problem> out, URI url, Set<String> allowHttpHosts) {
    HttpUrl parsed = HttpUrl.parse(url.toString());
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http") || parsed == null) {
      out.add(new Problem(URL, "is not an http(s) URL", "write it as https://host/path"));
      return;
    }
    if (scheme.equals("http") && !listed(allowHttpHosts, parsed.host())) {
      out.add(new Problem(URL, "uses plain http to " + parsed.host() + ": leads would travel unencrypted",
          "use https://, or list " + parsed.host() + " in " + ALLOW_HTTP_HOSTS + " for a trusted internal receiver"));
    }
    if (!parsed.username().isEmpty() || !parsed.password().isEmpty()) {
      out.add(new Problem(URL, "carries user info, which is never sent",
          "send credentials as " + SECRET_HEADERS + ".Authorization: ${ENV_VAR}"));
    }
  }

  private static void checkHeader(List<Problem> out, String prefix, String name, String value, boolean showValue) {
    String path = prefix + "." + name;
    if (!TOKEN.matcher(name).matches()) {
      out.add(new Problem(path, "is not a valid header name", "use letters, digits and - only"));
    } else if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
      out.add(new Problem(path, "is set by the sink itself", "remove it"));
    } else if (HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))
        || name.toLowerCase(Locale.ROOT).startsWith("proxy-")) {
      out.add(new Problem(path, "is a hop-by-hop header, for one connection or a proxy, not for the receiver",
          "remove it: the HTTP client sets what the connection needs (a proxy's credentials come from the"
              + " application's client, its proxyAuthenticator)"));
    }
    if (!HEADER_VALUE.matcher(value).matches()) {
      out.add(new Problem(path, showValue ? "'" + value + "' is not a valid header value"
          : "is not a valid header value", "use printable ASCII on one line"));
    }
  }

  private static void positive(List<Problem> out, String key, Duration d) {
    if (d.isZero() || d.isNegative()) {
      out.add(new Problem(key, d + " is not positive", "write e.g. 10s"));
    }
  }

  /**
   * Whether a URL's host (as OkHttp canonicalises it) is in an allow-list: each entry is read as the URL's host is
   * (IDNA to ASCII, lower case, IPv6 compressed), and both compare under {@link AddressGuard#canonicalHost} (which
   * also removes one trailing dot), so {@code Bücher.Example.} allows {@code http://xn--bcher-kva.example/}; an IP
   * address in any spelling allows the URL's spellings of that address (and of no other).
   */
  static boolean listed(Set<String> hosts, String urlHost) {
    String host = AddressGuard.canonicalHost(urlHost);
    List<InetAddress> addresses = AddressGuard.literalReadings(urlHost);
    return hosts.stream().anyMatch(h -> AddressGuard.canonicalHost(clientHost(h).orElse(h)).equals(host)
        || !addresses.isEmpty() && AddressGuard.literalReadings(h).containsAll(addresses));
  }

  /** The host as the HTTP client reads it in a URL, or empty when it reads none. */
  private static Optional<String> clientHost(String entry) {
    try {
      return Optional.of(new HttpUrl.Builder().scheme("http").host(entry.strip()).build().host());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * The problem with a {@link #PROXY_RESOLVED_HOSTS} entry: it must be a host name the client and the guard read alike
   * (as an allow-list entry must), never an IP literal (the proxy is asked for an address anyway) or
   * {@code localhost} (the proxy's own machine), and it must be the URL's host, or it would never apply.
   */
  private static Optional<Problem> proxyResolvedProblem(String entry, HttpUrl url) {
    String e = entry.strip();
    String fix = "list the host names the proxy resolves exactly, separated by commas, e.g. hooks.example.com";
    if (!e.isEmpty() && !AddressGuard.literalReadings(e).isEmpty()) {
      return Optional.of(new Problem(PROXY_RESOLVED_HOSTS, "'" + e + "' is an IP address, not a host name: the"
          + " proxy is asked for the address the guard judged anyway", "remove it; list host names only"));
    }
    Optional<Problem> spelling = hostProblem(PROXY_RESOLVED_HOSTS, e, fix);
    if (spelling.isPresent()) {
      return spelling;
    }
    String name = AddressGuard.canonicalHost(e);
    if (name.equals("localhost") || name.endsWith(".localhost")) {
      return Optional.of(new Problem(PROXY_RESOLVED_HOSTS, "'" + e + "' names this machine: the proxy would resolve"
          + " it to its own", "remove it; list external host names only"));
    }
    if (url != null && !listed(Set.of(e), url.host())) {
      return Optional.of(new Problem(PROXY_RESOLVED_HOSTS, "'" + e + "' is not the host of url (" + url.host()
          + "), so it would never apply", "list " + url.host() + ", or remove the entry"));
    }
    return Optional.empty();
  }

  /**
   * The problem with an allow-list entry that is no exact host, or that the HTTP client and the SSRF guard would read
   * as two hosts: it would otherwise never match (the receiver refused although listed) with nothing saying why.
   */
  private static Optional<Problem> hostProblem(String key, String entry) {
    return hostProblem(key, entry,
        "list host names or IP addresses exactly, separated by commas, e.g. crm.example.com, 10.0.0.7");
  }

  private static Optional<Problem> hostProblem(String key, String entry, String fix) {
    String e = entry.strip();
    if (e.isEmpty()) {
      return Optional.of(new Problem(key, "has an empty entry", fix));
    }
    int scheme = e.indexOf("://");
    if (scheme >= 0) {
      HttpUrl asUrl = HttpUrl.parse(e);
      return Optional.of(new Problem(key, "holds a URL, not a host",
          "list its host only" + (asUrl == null ? "" : ": " + asUrl.host())));
    }
    int at = e.lastIndexOf('@');
    if (at >= 0) {
      return Optional.of(new Problem(key, "holds user info (name@host), not a host",
          "list the host only: " + e.substring(at + 1)));
    }
    Matcher port = HOST_PORT.matcher(e);
    if (port.matches()) {
      return Optional.of(new Problem(key, "'" + e + "' has a port", "list the host only, " + port.group(1)
          + ": a listed host is allowed on every port"));
    }
    if (e.indexOf('*') >= 0 || e.indexOf('/') >= 0) {
      return Optional.of(new Problem(key, "'" + e + "' is a pattern or range, not a host",
          "list each host name or IP address exactly: allow-lists take no wildcards or CIDR ranges"));
    }
    List<InetAddress> addresses = AddressGuard.literalReadings(e);
    if (addresses.size() > 1) {
      return Optional.of(new Problem(key, "'" + e + "' reads as " + addresses.get(0).getHostAddress() + " or as "
          + addresses.get(1).getHostAddress() + " depending on the resolver (a leading zero is octal to some)",
          "write the address in dotted decimal without leading zeros"));
    }
    if (!addresses.isEmpty()) {
      return Optional.empty(); // an IP literal in any spelling: compared as the address
    }
    Optional<String> client = clientHost(e);
    if (client.isEmpty() || !HOST_NAME.matcher(AddressGuard.canonicalHost(client.get())).matches()) {
      return Optional.of(new Problem(key, "'" + e + "' is not a host name or IP address", fix));
    }
    if (!AddressGuard.canonicalHost(client.get()).equals(AddressGuard.canonicalHost(e))) {
      // ß, ς, zero-width joiners (IDNA 2003 and UTS #46 disagree), percent escapes: one host to the client's URL
      // parser, another (or none) to the guard's comparison
      String ascii = AddressGuard.canonicalHost(client.get());
      return Optional.of(new Problem(key, "'" + e + "' is read as " + ascii + " in a URL but compared as "
          + AddressGuard.canonicalHost(e) + " by the address guard", "write it as " + ascii));
    }
    return Optional.empty();
  }

  /** Shows the settings with the URL's query elided and every secret redacted. */
  @Override
  public String toString() {
    HttpUrl parsed = HttpUrl.parse(url.toString());
    return "HttpsConfig[url=" + (parsed == null ? "(invalid)" : SafeUrl.show(parsed))
        + ", signingSecrets=" + signingSecrets.size() + ", headers=" + headers.keySet() + ", secretHeaders="
        + secretHeaders.keySet() + ", connectTimeout=" + connectTimeout + ", callTimeout=" + callTimeout
        + ", allowedHosts=" + allowedHosts + ", allowHttpHosts=" + allowHttpHosts + ", proxyResolvedHosts="
        + proxyResolvedHosts + ", maxConcurrency="
        + maxConcurrency + ", rememberedIds=" + rememberedIds + "]";
  }
}
