package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.ConfigurationException;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.SampleLeads;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SSRF guard attacked for real: a TCP listener on 127.0.0.1 (and ::1 when the machine has it) counts every
 * connection, and the sink is pointed at it through every spelling of a loopback address OkHttp or a resolver
 * accepts, and through host names whose DNS answers are loopback addresses in IPv6 clothing. Any connection that
 * arrives fails the test. The resolver is a table (no real DNS query leaves the machine).
 */
class SsrfSpellingsTest {
  private static final Secret SECRET = Secret.of(WebhookReceiverFake.SECRET);
  private static final AtomicInteger ACCEPTED = new AtomicInteger();
  private static final List<String> ARRIVED_FROM = new CopyOnWriteArrayList<>();
  private static final List<ServerSocket> LISTENERS = new ArrayList<>();
  private static int port;

  /** Host spellings that all denote this machine (loopback or unspecified). */
  private static final List<String> LOOPBACK_SPELLINGS = List.of(
      // dotted quad and its short forms (inet_aton: the last part fills the remaining bytes)
      "127.0.0.1", "127.0.0.2", "127.1.2.3", "127.255.255.254", "127.1", "127.0.1", "127.000.000.001",
      "127.0.0.1.", "127.1.",
      // one 32-bit number: decimal, hex, octal
      "2130706433", "2130706434", "0x7f000001", "0x7F000001", "017700000001", "0017700000001",
      // hex and octal parts, mixed
      "0x7f.0.0.1", "0x7f.1", "0x7f.0x0.0x0.0x1", "0x7F.0X0.0.1", "0177.0.0.1", "0177.1", "0177.0.1",
      "0177.00.00.01", "0x7f.0.1", "127.0x0.0.1", "127.0.0.0x1", "127.0.0.01", "127.00.0x00.1", "0x7f.0x1",
      "0x7f.0x000001", "127.0x000001", "0000000000000000000000127.1", "0x000000000000007f.1",
      // zero: reaches this machine on Linux
      "0", "0.0.0.0", "0.0", "0.0.0", "00", "0x0", "0x00000000", "000.000.000.000", "0.0.0.0.",
      // what OkHttp's URL parser turns into a dotted quad (IDN full stops, full-width digits, percent escapes)
      "127\u30020\u30020\u30021", "127\uff0e0\uff0e0\uff0e1", "\uff11\uff12\uff17.0.0.1", "127%2E0%2E0%2E1",
      "127%2e1", "%31%32%37.0.0.1",
      // IPv6 loopback and unspecified
      "[::1]", "[0:0:0:0:0:0:0:1]", "[0000:0000:0000:0000:0000:0000:0000:0001]", "[::0:1]", "[0::1]", "[::]",
      "[0:0:0:0:0:0:0:0]",
      // IPv4-mapped, -compatible and -translated IPv6 of loopback and zero
      "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::FFFF:7F00:0001]", "[0:0:0:0:0:ffff:127.0.0.1]",
      "[0:0:0:0:0:ffff:7f00:1]", "[::ffff:127.0.0.2]", "[::ffff:0.0.0.0]", "[::ffff:0:0]", "[::127.0.0.1]",
      "[::7f00:1]", "[::ffff:0:127.0.0.1]", "[::ffff:0:7f00:1]",
      // NAT64 and 6to4 of loopback
      "[64:ff9b::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[2002:7f00:0001::1]",
      // names whose (table) DNS answers are loopback in disguise
      "localhost", "localhost.", "LOCALHOST", "mapped.test", "mapped-upper.test", "compat.test", "loop6.test",
      "zero.test", "zero6.test", "nat64.test", "sixtofour.test", "mixed.test", "0x7f.1.test-resolver");

  private final List<String> lookups = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void listen() throws IOException {
    ServerSocket v4 = new ServerSocket();
    v4.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
    port = v4.getLocalPort();
    LISTENERS.add(v4);
    try {
      ServerSocket v6 = new ServerSocket();
      v6.bind(new InetSocketAddress(InetAddress.getByName("::1"), port));
      LISTENERS.add(v6);
    } catch (IOException e) {
      // no IPv6 loopback here: the IPv6 spellings then cannot connect anyway, and are still judged below
    }
    for (ServerSocket listener : LISTENERS) {
      Thread t = new Thread(() -> {
        while (!listener.isClosed()) {
          try (Socket s = listener.accept()) {
            ACCEPTED.incrementAndGet();
            ARRIVED_FROM.add(String.valueOf(s.getLocalAddress()));
          } catch (IOException e) {
            return; // closed
          }
        }
      }, "ssrf-listener");
      t.setDaemon(true);
      t.start();
    }
  }

  @AfterAll
  static void stop() throws IOException {
    for (ServerSocket s : LISTENERS) {
      s.close();
    }
  }

  @BeforeEach
  void reset() {
    ACCEPTED.set(0);
    ARRIVED_FROM.clear();
  }

  /** A resolver answering from a table; names it does not know do not exist. No real lookup. */
  private Dns tableDns() {
    Map<String, List<InetAddress>> table = new LinkedHashMap<>();
    try {
      byte[] loop4 = {127, 0, 0, 1};
      table.put("localhost", List.of(InetAddress.getByAddress(loop4)));
      table.put("mapped.test", List.of(v6("::ffff:127.0.0.1")));
      table.put("mapped-upper.test", List.of(v6("::ffff:7f00:2")));
      table.put("compat.test", List.of(v6("::127.0.0.1")));
      table.put("loop6.test", List.of(v6("::1")));
      table.put("zero.test", List.of(InetAddress.getByAddress(new byte[4])));
      table.put("zero6.test", List.of(v6("::")));
      table.put("nat64.test", List.of(v6("64:ff9b::7f00:1")));
      table.put("sixtofour.test", List.of(v6("2002:7f00:1::")));
      // a blocked address among public ones: a guard that checked only some answers would let it through
      table.put("mixed.test", List.of(v6("::ffff:127.0.0.1"),
          InetAddress.getByAddress(new byte[] {93, (byte) 184, (byte) 215, 14})));
      // glibc's resolver reads inet_aton spellings itself: the system Dns answers 127.0.0.1 for such a name
      table.put("0x7f.1.test-resolver", List.of(InetAddress.getByAddress(loop4)));
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
    return host -> {
      lookups.add(host);
      String h = host.toLowerCase(java.util.Locale.ROOT);
      List<InetAddress> a = table.get(h.endsWith(".") ? h.substring(0, h.length() - 1) : h);
      if (a == null) {
        throw new UnknownHostException(host + ": not in the test's table");
      }
      return a;
    };
  }

  /** An {@link Inet6Address} kept as IPv6 even when it embeds IPv4 (as a resolver may return it). */
  private static Inet6Address v6(String literal) throws UnknownHostException {
    byte[] b = new byte[16];
    byte[] parsed = InetAddress.getByName(literal).getAddress();
    if (parsed.length == 4) { // the JDK turned ::ffff:a.b.c.d into IPv4: put the mapping back
      b[10] = (byte) 0xff;
      b[11] = (byte) 0xff;
      System.arraycopy(parsed, 0, b, 12, 4);
    } else {
      b = parsed;
    }
    return Inet6Address.getByAddress(null, b, -1);
  }

  /** What happened to one spelling: refused at configuration, refused by the guard, or something else. */
  private String attempt(String host) {
    return outcome(() -> HttpsSink.builder(URI.create("https://" + host + ":" + port + "/hook")).signingSecret(SECRET)
        .connectTimeout(Duration.ofSeconds(2)).callTimeout(Duration.ofSeconds(3))
        .client(new OkHttpClient.Builder().dns(tableDns()).build()).build());
  }

  /**
   * What happened to a sample lead sent through the sink {@code build} makes: {@code refused at configuration}, the
   * refusal's diagnosis code, or {@code DELIVERED}.
   */
  static String outcome(Supplier<HttpsSink> build) {
    HttpsSink sink;
    try {
      sink = build.get();
    } catch (ConfigurationException | IllegalArgumentException e) {
      return "refused at configuration";
    }
    try {
      sink.deliver(SampleLeads.azureMarketplaceInstall());
      return "DELIVERED";
    } catch (DeliveryException e) {
      return e.diagnosis().map(d -> d.code()).orElse("no diagnosis: " + e.getMessage());
    }
  }

  @Test
  void deliver_everySpellingOfThisMachine_neverConnects() throws Exception {
    assertThat(LOOPBACK_SPELLINGS).hasSizeGreaterThanOrEqualTo(60);
    Map<String, String> notBlocked = new LinkedHashMap<>();
    for (String host : LOOPBACK_SPELLINGS) {
      int before = ACCEPTED.get();
      String outcome = attempt(host);
      if (!outcome.equals("HTTPS_BLOCKED_ADDRESS") && !outcome.equals("refused at configuration")) {
        notBlocked.put(host, outcome);
      }
      TimeUnit.MILLISECONDS.sleep(ACCEPTED.get() > before ? 0 : 2); // let a late accept show up
      if (ACCEPTED.get() > before) {
        notBlocked.put(host, outcome + ", and a connection arrived");
      }
    }
    TimeUnit.MILLISECONDS.sleep(200);
    assertThat(notBlocked).as("spellings not refused by the SSRF guard").isEmpty();
    assertThat(ACCEPTED.get()).as("connections that reached the loopback listener " + ARRIVED_FROM).isZero();
  }

  @Test
  void deliver_hostNameResolvingToMappedLoopback_isRefusedNamingTheAddress() {
    HttpsSink sink = HttpsSink.builder(URI.create("https://mapped.test:" + port + "/hook")).signingSecret(SECRET)
        .client(new OkHttpClient.Builder().dns(tableDns()).build()).build();
    DeliveryException e = org.assertj.core.api.Assertions.catchThrowableOfType(DeliveryException.class,
        () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(e.diagnosis()).hasValueSatisfying(d -> {
      assertThat(d.code()).isEqualTo("HTTPS_BLOCKED_ADDRESS");
      assertThat(d.message()).isEqualTo("https://mapped.test:" + port + "/hook: mapped.test resolves to"
          + " 0:0:0:0:0:ffff:7f00:1, a loopback (127.0.0.0/8) embedded in IPv4-mapped IPv6 (::ffff:0:0/96) address;"
          + " requests to it are blocked to prevent server-side request forgery");
    });
    assertThat(lookups).containsExactly("mapped.test");
    assertThat(ACCEPTED.get()).isZero();
  }

  @Test
  void socketFactory_refusesAtConnectWhatTheResolverCheckNeverSaw() throws Exception {
    // an OkHttp client guarded only at connect time, with an unguarded resolver answering ::ffff:127.0.0.1
    AddressGuard guard = AddressGuard.strict();
    OkHttpClient client = new OkHttpClient.Builder().dns(tableDns()).socketFactory(guard.socketFactory())
        .connectTimeout(Duration.ofSeconds(2)).callTimeout(Duration.ofSeconds(3)).build();
    for (String host : List.of("mapped.test", "loop6.test", "zero.test", "nat64.test", "127.0.0.1", "[::1]",
        "2130706433", "0", "[::ffff:7f00:1]")) {
      Request request = new Request.Builder().url("http://" + host + ":" + port + "/").build();
      IOException e = org.assertj.core.api.Assertions.catchThrowableOfType(IOException.class, () -> {
        try (Response r = client.newCall(request).execute()) {
          r.code();
        }
      });
      assertThat(causes(e)).as(host).anyMatch(BlockedAddressException.class::isInstance);
    }
    TimeUnit.MILLISECONDS.sleep(200);
    assertThat(ACCEPTED.get()).isZero();
  }

  @Test
  void socketFactory_allowListedAddress_connects() throws Exception {
    AddressGuard guard = AddressGuard.allowing(List.of("127.0.0.1"));
    try (Socket s = guard.socketFactory().createSocket()) {
      s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 2000);
      assertThat(s.isConnected()).isTrue();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (ACCEPTED.get() == 0 && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(5);
    }
    assertThat(ACCEPTED.get()).isEqualTo(1);
  }

  private static List<Throwable> causes(Throwable e) {
    List<Throwable> out = new ArrayList<>();
    List<Throwable> todo = new ArrayList<>(List.of(e));
    while (!todo.isEmpty() && out.size() < 50) {
      Throwable t = todo.remove(0);
      out.add(t);
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      todo.addAll(List.of(t.getSuppressed()));
    }
    return out;
  }
}
