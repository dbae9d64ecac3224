package io.leadrouter.https;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.ConfigurationException;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The SSRF guard: every blocked range, host names resolving into them, IPv6, redirects, plain http. */
class SsrfGuardTest {
  private static final Secret SECRET = Secret.of(WebhookReceiverFake.SECRET);
  @RegisterExtension
  static final WebhookReceiverFake receiver = new WebhookReceiverFake();
  private final List<String> lookups = new CopyOnWriteArrayList<>();


  /** An application client whose DNS answers from a table (names the test made up), recording each lookup. */
  private OkHttpClient clientResolving(Map<String, List<String>> table) {
    Dns dns = host -> {
      lookups.add(host);
      List<String> addresses = table.get(host);
      if (addresses == null) {
        throw new UnknownHostException(host + ": no such host (test DNS)");
      }
      List<InetAddress> out = new java.util.ArrayList<>();
      for (String a : addresses) {
        out.add(InetAddress.getByName(a)); // literals only: no real lookup
      }
      return out;
    };
    return new OkHttpClient.Builder().dns(dns).build();
  }

  private static Diagnosis blocked(HttpsSink sink) {
    PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class,
        () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(e).as("delivery must be refused").isNotNull();
    assertThat(e.diagnosisValue().code()).isEqualTo("HTTPS_BLOCKED_ADDRESS");
    return e.diagnosisValue();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "127.0.0.1         | loopback (127.0.0.0/8)",
      "127.1.2.3         | loopback (127.0.0.0/8)",
      "10.1.2.3          | private network (10.0.0.0/8)",
      "172.16.5.4        | private network (172.16.0.0/12)",
      "172.31.255.255    | private network (172.16.0.0/12)",
      "192.168.1.1       | private network (192.168.0.0/16)",
      "169.254.169.254   | link-local / cloud metadata (169.254.0.0/16)",
      "0.0.0.0           | unspecified (0.0.0.0/8)",
      "100.64.0.1        | shared address space (100.64.0.0/10)",
      "[::1]             | loopback (::1)",
      "[::]              | unspecified (::)",
      "[fc00::1]         | unique local IPv6 (fc00::/7)",
      "[fd12:3456::1]    | unique local IPv6 (fc00::/7)",
      "[fe80::1]         | link-local IPv6 (fe80::/10)",
      "[::ffff:10.0.0.1] | private network (10.0.0.0/8)",
      "[::ffff:7f00:1]   | loopback (127.0.0.0/8)",
      "2130706433       | loopback (127.0.0.0/8)",
      "0                | unspecified (0.0.0.0/8)",
      "[64:ff9b::a9fe:a9fe] | link-local / cloud metadata (169.254.0.0/16) embedded in NAT64 (64:ff9b::/96)",
      // the remaining ranges, each at its edges, and metadata inside the other IPv6 embeddings
      "100.127.255.255  | shared address space (100.64.0.0/10)",
      "192.0.0.170      | IETF protocol assignments (192.0.0.0/24)",
      "198.18.0.1       | benchmarking (198.18.0.0/15)",
      "198.19.255.255   | benchmarking (198.18.0.0/15)",
      "224.0.0.1        | multicast or reserved (224.0.0.0/3)",
      "239.255.255.250  | multicast or reserved (224.0.0.0/3)",
      "255.255.255.255  | multicast or reserved (224.0.0.0/3)",
      "[fec0::1]        | site-local IPv6 (fec0::/10)",
      "[ff02::1]        | multicast (ff00::/8)",
      "[100::1]         | discard-only IPv6 (100::/64)",
      "[2002:a9fe:a9fe::1] | link-local / cloud metadata (169.254.0.0/16) embedded in 6to4 (2002::/16)",
      "[::ffff:0:a9fe:a9fe] | link-local / cloud metadata (169.254.0.0/16) embedded in IPv4-translated IPv6"
          + " (::ffff:0:0:0/96)",
      "[2001:0:4136:e378:8000:63bf:5601:5601] | link-local / cloud metadata (169.254.0.0/16) embedded in Teredo"
          + " (2001::/32)"})
  void deliver_ipLiteralInBlockedRange_isRefusedBeforeConnecting(String host, String range) {
    HttpsSink sink = HttpsSink.builder(URI.create("https://" + host + "/hook")).signingSecret(SECRET).build();
    Diagnosis d = blocked(sink);
    assertThat(d.message()).contains(" " + range + " address; requests to it are blocked to prevent server-side"
        + " request forgery");
    assertThat(d.remediation()).endsWith("to allowedHosts; otherwise correct url");
  }

  @Test
  void deliver_ipLiteral_messageNamesHostAndSetting() {
    assertThat(blocked(HttpsSink.builder(URI.create("https://10.1.2.3:8443/hook?k=s")).signingSecret(SECRET).build()))
        .isEqualTo(new Diagnosis(HttpsErrors.BLOCKED_ADDRESS, "https://10.1.2.3:8443/hook?…: 10.1.2.3 is a private"
            + " network (10.0.0.0/8) address; requests to it are blocked to prevent server-side request forgery",
            "if this receiver is meant to be on an internal network, add 10.1.2.3 to allowedHosts; otherwise"
                + " correct url"));
  }

  @Test
  void deliver_hostNameResolvingToPrivateAddress_isRefusedByGuardedDns() {
    HttpsSink sink = HttpsSink.builder(URI.create("https://crm.internal.example/hook")).signingSecret(SECRET)
        .client(clientResolving(Map.of("crm.internal.example", List.of("10.0.0.7")))).build();
    Diagnosis d = blocked(sink);
    assertThat(d.message()).isEqualTo("https://crm.internal.example/hook: crm.internal.example resolves to 10.0.0.7,"
        + " a private network (10.0.0.0/8) address; requests to it are blocked to prevent server-side request"
        + " forgery");
    assertThat(d.remediation()).isEqualTo("if this receiver is meant to be on an internal network, add"
        + " crm.internal.example to allowedHosts; otherwise correct url");
    assertThat(lookups).containsExactly("crm.internal.example");
  }

  @ParameterizedTest(name = "{0} resolving to {1}")
  @CsvSource(delimiter = '|', textBlock = """
      metadata.example | 169.254.169.254            | resolves to 169.254.169.254, a link-local / cloud metadata
      rebind.example   | 93.184.215.14 192.168.0.10 | rebind.example resolves to 192.168.0.10, a private network
      v6.example       | fd00::5                    | v6.example resolves to fd00:0:0:0:0:0:0:5, a unique local IPv6
      """)
  void deliver_hostNameResolvingToABlockedAddress_isRefused(String host, String addresses, String expected) {
    // the metadata address; one private address among public ones (DNS rebinding); an IPv6 unique local address
    HttpsSink sink = HttpsSink.builder(URI.create("https://" + host + "/hook")).signingSecret(SECRET)
        .client(clientResolving(Map.of(host, List.of(addresses.split(" "))))).build();
    assertThat(blocked(sink).message()).contains(expected);
  }

  @Test
  void deliver_allowListedHostNameResolvingToLoopback_isDelivered() throws Exception {
    HttpsSink sink = HttpsSink.builder(URI.create("http://crm.internal.example:" + receiver.server.port()
            + WebhookReceiverFake.PATH)).signingSecret(SECRET)
        .secretHeader("X-Api-Key", Secret.of(WebhookReceiverFake.API_KEY))
        .allowHost("crm.internal.example").allowHttpHost("crm.internal.example")
        .client(clientResolving(Map.of("crm.internal.example", List.of("127.0.0.1")))).build();
    assertThat(sink.deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(receiver.onlyRequestHeaders().get("Host")).containsExactly("crm.internal.example:"
        + receiver.server.port());
  }

  @Test
  void deliver_otherHostNameResolvingToLoopback_isRefusedEvenWhenAnotherNameIsAllowed() {
    HttpsSink sink = HttpsSink.builder(URI.create("http://evil.example:" + receiver.server.port() + "/hook"))
        .signingSecret(SECRET).allowHost("crm.internal.example").allowHttpHost("evil.example")
        .client(clientResolving(Map.of("evil.example", List.of("127.0.0.1")))).build();
    assertThat(blocked(sink).message()).contains("evil.example resolves to 127.0.0.1, a loopback (127.0.0.0/8)");
    assertThat(receiver.requests()).isEmpty();
  }

  @Test
  void deliver_unresolvableHost_isTransientUnknownHost() {
    HttpsSink sink = HttpsSink.builder(URI.create("https://nowhere.example/hook")).signingSecret(SECRET)
        .client(clientResolving(Map.of())).build();
    TransientDeliveryException e = catchThrowableOfType(TransientDeliveryException.class,
        () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(e.diagnosis()).map(Diagnosis::code).contains("HTTPS_UNKNOWN_HOST");
  }

  @Test
  void deliver_redirectToMetadata_isNotFollowedEvenByAFollowingClient() {
    receiver.answer(aResponse().withStatus(302).withHeader("Location", "http://169.254.169.254/latest/meta-data/"));
    HttpsSink sink = receiver.sink().client(new OkHttpClient.Builder().followRedirects(true).build()).build();
    PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class,
        () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(e.diagnosisValue().code()).isEqualTo("HTTPS_REDIRECT");
    assertThat(e.diagnosisValue().message()).contains("redirecting to http://169.254.169.254/latest/meta-data/ ");
    assertThat(receiver.requests()).hasSize(1);
  }

  @Test
  void build_plainHttpToHostNotAllowed_isRefusedNamingTheSetting() {
    assertThatThrownBy(() -> HttpsSink.builder(URI.create("http://hooks.example.com/leads")).signingSecret(SECRET)
        .build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: url: uses plain http to hooks.example.com: leads would travel unencrypted"
            + " (use https://, or list hooks.example.com in allowHttpHosts for a trusted internal receiver)");
  }

  /** Spellings of private and metadata addresses (no connection is attempted: the literal check judges them). */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "2852039166              | 169.254.169.254",
      "0xa9fea9fe              | 169.254.169.254",
      "0251.0376.0251.0376     | 169.254.169.254",
      "169.254.43518           | 169.254.169.254",
      "0xa9.0xfe.0xa9.0xfe     | 169.254.169.254",
      "167772161               | 10.0.0.1",
      "10.1                    | 10.0.0.1",
      "012.0.0.1               | 10.0.0.1",
      "3232235777              | 192.168.1.1",
      "0xc0a80101              | 192.168.1.1",
      "192.168.257             | 192.168.1.1",
      "[::ffff:a9fe:a9fe]      | 169.254.169.254",
      "[::ffff:169.254.169.254]| 169.254.169.254",
      "[64:ff9b::10.0.0.1]     | 64:ff9b::a00:1",
      "[2002:a9fe:a9fe::1]     | 2002:a9fe:a9fe::1",
      "[::ffff:0:192.168.1.1]  | ::ffff:0:c0a8:101",
      "[2001:0:4136:e378:8000:63bf:f5ff:fffe] | 2001:0:4136:e378:8000:63bf:f5ff:fffe",
      "[64:ff9b:1::a00:1]      | 64:ff9b:1::a00:1",
      "[fec0::1]               | fec0::1",
      "[fe80::1%25eth0]        | fe80::1",
      "fe80::1%lo              | fe80::1",
      "[FE80::A9FE:A9FE%25no-such-interface] | fe80::a9fe:a9fe",
      "[::ffff:a9fe:a9fe%25lo] | 169.254.169.254"})
  void checkHost_otherSpellingsOfBlockedAddresses_areRefused(String host, String address) throws Exception {
    AddressGuard guard = AddressGuard.strict();
    org.assertj.core.api.Assertions.assertThatExceptionOfType(io.leadrouter.spi.BlockedAddressException.class)
        .isThrownBy(() -> guard.checkHost(host))
        .satisfies(e -> assertThat(e.address()).isIn(AddressGuard.literalReadings(host)))
        .withMessageContaining("requests to it are blocked");
    assertThat(AddressGuard.literalReadings(host)).extracting(InetAddress::getHostAddress)
        .contains(InetAddress.getByName(address).getHostAddress());
  }

  @Test
  void checkHost_octalPart_isJudgedUnderBothReadings() {
    // inet_aton reads 0127 as octal (87: public), the JDK as decimal (127: loopback); either may be used
    assertThat(AddressGuard.literalReadings("0127.0.0.1")).extracting(InetAddress::getHostAddress)
        .containsExactlyInAnyOrder("87.0.0.1", "127.0.0.1");
    assertThatThrownBy(() -> AddressGuard.strict().checkHost("0127.0.0.1"))
        .hasMessage("0127.0.0.1 is 127.0.0.1, a loopback (127.0.0.0/8) address; requests to it are blocked to prevent"
            + " server-side request forgery");
  }

  @Test
  void checkHost_hostNames_areLeftToTheResolverCheck() throws Exception {
    for (String name : List.of("hooks.example.com", "deadbeef.example", "1e100.net", "cafe", "0x7f.example")) {
      AddressGuard.strict().checkHost(name);
      assertThat(AddressGuard.literalReadings(name)).as(name).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "93.184.215.14", "172.15.255.255", "172.32.0.1", "192.169.0.1", "100.128.0.1",
      "169.253.255.255", "2606:4700:4700::1111", "2001:4860:4860::8888"})
  void blockedRange_publicAddress_isEmpty(String address) throws Exception {
    assertThat(AddressGuard.blockedRange(InetAddress.getByName(address))).isEmpty();
  }

  @Test
  void policy_allowListedAddressLiteral_allowsThatAddressOnly() throws Exception {
    AddressGuard policy = AddressGuard.allowing(List.of("10.0.0.7", "[::1]"));
    policy.checkResolved("crm.example", List.of(InetAddress.getByName("10.0.0.7")));
    policy.checkHost("[0:0:0:0:0:0:0:1]");
    assertThatThrownBy(() -> policy.checkResolved("crm.example", List.of(InetAddress.getByName("10.0.0.8"))))
        .hasMessage("crm.example resolves to 10.0.0.8, a private network (10.0.0.0/8) address; requests to it are"
            + " blocked to prevent server-side request forgery");
  }

  /**
   * Cloud control-plane addresses outside 169.254.0.0/16, in several spellings: refused by every guard, including
   * the CRM sinks' {@link AddressGuard#forCloudApi()}, which allows loopback and private networks (Private Link) but
   * never a metadata or host-agent service. Azure's WireServer (168.63.129.16) is a public-looking address every
   * Azure VM reaches; AWS serves instance metadata over IPv6 at fd00:ec2::254 (a unique local address); Alibaba Cloud
   * at 100.100.100.200 (in the shared 100.64.0.0/10 range).
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      168.63.129.16            | Azure host agent (WireServer, 168.63.129.16)
      2822734096               | Azure host agent (WireServer, 168.63.129.16)
      0xa8.0x3f.0x81.0x10      | Azure host agent (WireServer, 168.63.129.16)
      [::ffff:168.63.129.16]   | Azure host agent (WireServer, 168.63.129.16)
      [64:ff9b::a83f:8110]     | Azure host agent (WireServer, 168.63.129.16) embedded in NAT64
      [fd00:ec2::254]          | AWS instance metadata over IPv6 (fd00:ec2::254)
      [FD00:0EC2:0:0:0:0:0:254] | AWS instance metadata over IPv6 (fd00:ec2::254)
      100.100.100.200          | Alibaba Cloud instance metadata (100.100.100.200)
      1684301000               | Alibaba Cloud instance metadata (100.100.100.200)
      [::ffff:6464:64c8]       | Alibaba Cloud instance metadata (100.100.100.200)
      """)
  void checkHost_cloudServiceAddressesBeyondLinkLocal_areRefusedByEveryGuard(String host, String range) {
    for (AddressGuard guard : List.of(AddressGuard.strict(), AddressGuard.forCloudApi(),
        AddressGuard.allowing(List.of("10.0.0.7")))) {
      org.assertj.core.api.Assertions.assertThatExceptionOfType(io.leadrouter.spi.BlockedAddressException.class)
          .as(host + " under " + guard).isThrownBy(() -> guard.checkHost(host))
          .satisfies(e -> assertThat(e.range()).startsWith(range));
    }
  }
}
