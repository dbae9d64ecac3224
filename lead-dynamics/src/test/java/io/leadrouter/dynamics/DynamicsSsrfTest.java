package io.leadrouter.dynamics;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.testkit.ConnectionTrap;
import io.leadrouter.testkit.LoopbackSpellings;
import io.leadrouter.testkit.MetadataSpellings;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import okhttp3.OkHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard on the Dataverse and Entra clients: an address that is never a cloud API's (here the unspecified
 * address, which reaches this machine) is refused, permanently, whether the URL spells it or DNS answers it.
 */
class DynamicsSsrfTest {
  @ParameterizedTest
  @ValueSource(strings = {"crm.test", "0", "0.0.0.0", "[::ffff:0.0.0.0]"})
  void deliver_hostReachingTheUnspecifiedAddress_isRefusedAndNeverConnects(String host) {
    try (ConnectionTrap trap = ConnectionTrap.open(); DynamicsSink sink = sinkAt(host, trap)) {
      assertThat(trap.refusedWithoutConnecting(sink, "DYNAMICS_BLOCKED_ADDRESS").message())
          .startsWith("Microsoft Entra authorityHost: ").contains(" an unspecified (0.0.0.0/8) address")
          .endsWith("blocked to prevent server-side request forgery");
    }
  }

  /** A sink with instance and authority at {@code host} on the trap's port; its resolver answers 0.0.0.0 always. */
  private static DynamicsSink sinkAt(String host, ConnectionTrap trap) {
    String url = "https://" + host + ":" + trap.port();
    OkHttpClient everyNameIsZero = new OkHttpClient.Builder().dns(ConnectionTrap::unspecifiedAddress).build();
    return at(url, url).httpClient(everyNameIsZero).build();
  }

  /** A sink builder with the fake's credentials, its Dataverse at {@code instance} and Entra at {@code authority}. */
  private static DynamicsSink.Builder at(String instance, String authority) {
    return FakeDynamics.withCredentials().instanceUrl(instance).authorityHost(URI.create(authority));
  }

  /** A client whose resolver answers every name with {@code address}, a literal: no real lookup. */
  private static OkHttpClient.Builder resolvingEveryNameTo(String address) {
    return new OkHttpClient.Builder().dns(name -> List.of(InetAddress.getByName(address)));
  }

  @ParameterizedTest
  @FieldSource("io.leadrouter.testkit.MetadataSpellings#HOSTS")
  void deliver_instanceOrAuthoritySpellingTheMetadataAddress_isRefusedNamingTheSetting(String host) {
    MetadataSpellings.assertRefused(() -> at("https://" + host, "https://" + host).build(),
        "DYNAMICS_BLOCKED_ADDRESS", List.of("instanceUrl", "authorityHost"));
  }

  /**
   * Through a proxy (the trap on 127.0.0.1, a private address a CRM sink may reach) the client never resolves the
   * hosts itself: the guard must, and refuse a cloud service's address before anything reaches the proxy. The
   * addresses are the ones {@link io.leadrouter.spi.AddressGuard#forCloudApi()} must refuse although it allows private
   * networks: metadata, Azure's host agent, AWS metadata over IPv6, Alibaba's metadata in the shared range.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      169.254.169.254 | a link-local / cloud metadata (169.254.0.0/16) address
      168.63.129.16   | an Azure host agent (WireServer, 168.63.129.16) address
      fd00:ec2::254   | an AWS instance metadata over IPv6 (fd00:ec2::254) address
      100.100.100.200 | an Alibaba Cloud instance metadata (100.100.100.200) address
      """)
  void deliver_throughAProxy_namesResolvingToACloudService_areRefusedBeforeReachingTheProxy(String address,
      String range) {
    try (ConnectionTrap trap = ConnectionTrap.open();
        DynamicsSink sink = at("https://contoso.crm.dynamics.com", "https://login.microsoftonline.com")
            .httpClient(resolvingEveryNameTo(address).proxy(trap.httpProxy()).build()).build()) {
      assertThat(trap.refusedWithoutConnecting(sink, "DYNAMICS_BLOCKED_ADDRESS").message())
          .startsWith("Microsoft Entra authorityHost: login.microsoftonline.com resolves to ").contains(range);
    }
  }

  /**
   * A CRM sink may reach loopback only where its URL says so (a test fake at {@code 127.0.0.1} or {@code localhost}):
   * a cloud host name that DNS answers with a loopback address (a hijacked or rebinding resolver, a
   * {@code 127.0.0.1.nip.io}-style name) would hand the client secret to whatever listens on this machine.
   */
  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "::1", "::ffff:127.0.0.1", "127.0.0.2"})
  void deliver_cloudNameResolvingToLoopback_isRefusedAndNeverConnects(String loopback) {
    try (ConnectionTrap trap = ConnectionTrap.open();
        DynamicsSink sink = at("https://contoso.crm.dynamics.com:" + trap.port(),
            "https://login.microsoftonline.com:" + trap.port()).httpClient(resolvingEveryNameTo(loopback).build())
            .build()) {
      assertThat(trap.refusedWithoutConnecting(sink, "DYNAMICS_BLOCKED_ADDRESS").message())
          .startsWith("Microsoft Entra authorityHost: login.microsoftonline.com resolves to ")
          .contains("a loopback (");
    }
  }

  /** A URL refused at build is named without the password its user info carries (nor a query's secret). */
  @ParameterizedTest
  @ValueSource(strings = {"http://admin:Pw4Leak9xyz@contoso.crm.dynamics.com",
      "https://admin:Pw4Leak9xyz@contoso.crm.dynamics.com/api?sig=Pw4Leak9xyz"})
  void build_urlWithAPassword_isRefusedWithoutShowingIt(String url) {
    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> at(url, url).build());
    assertThat(e).isInstanceOf(io.leadrouter.ConfigurationException.class);
    assertThat(e.getMessage()).contains("instanceUrl", "authorityHost", "contoso.crm.dynamics.com")
        .doesNotContain("Pw4Leak9xyz");
  }

  /**
   * Plain http is allowed to {@code localhost} (a test fake): a resolver answering {@code localhost} with another
   * address would send the client secret in clear elsewhere. Through the trap as proxy, nothing can leave this machine.
   */
  @ParameterizedTest
  @ValueSource(strings = {"93.184.215.14", "10.0.0.7"})
  void deliver_localhostResolvingElsewhere_isRefusedBeforeAnythingIsSent(String elsewhere) {
    try (ConnectionTrap trap = ConnectionTrap.open();
        DynamicsSink sink = at("http://localhost:8080", "http://localhost:8080")
            .httpClient(resolvingEveryNameTo(elsewhere).proxy(trap.httpProxy()).build()).build()) {
      assertThat(trap.refusedWithoutConnecting(sink, "DYNAMICS_BLOCKED_ADDRESS").message())
          .contains("localhost resolves to " + elsewhere + ", a non-loopback (localhost must be this machine)");
    }
  }

  /** Plain http only to a test fake on this machine, however the URL spells it ({@code LOCALHOST}, {@code [::1]}). */
  @org.junit.jupiter.api.Test
  void build_plainHttp_isAllowedToThisMachineOnly() {
    LoopbackSpellings.assertPlainHttpOnlyToThisMachine(
        url -> at(url.toString(), "https://login.microsoftonline.com").build(), "is not an https URL");
  }
}
