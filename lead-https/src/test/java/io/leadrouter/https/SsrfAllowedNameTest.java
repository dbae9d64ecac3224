package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.ConnectionTrap;
import io.leadrouter.testkit.SampleLeads;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How wide an {@code allowedHosts} name opens the guard: its host may be on a private, loopback or link-local network
 * (an internal receiver), never at a cloud platform's metadata or host agent address, whatever its DNS answers. The
 * deliveries go through a {@link ConnectionTrap} on 127.0.0.1 as the proxy, so whatever the guard lets through lands
 * there and is counted; nothing leaves this machine.
 */
class SsrfAllowedNameTest {
  private static final Secret SECRET = Secret.of(WebhookReceiverFake.SECRET);
  private static final String LISTED = "hooks.corp.test";

  private static DeliveryException deliverThroughTrap(String answer, ConnectionTrap trap, String... alsoListed) {
    OkHttpClient client = new OkHttpClient.Builder().proxy(trap.httpProxy())
        .dns(h -> List.of(InetAddress.getByAddress(h, InetAddress.getByName(answer).getAddress()))).build();
    HttpsSink.Builder b = HttpsSink.builder(URI.create("https://" + LISTED + "/hook")).signingSecret(SECRET)
        .allowHost(LISTED).allowHost("127.0.0.1") // the proxy's address
        .connectTimeout(Duration.ofSeconds(10)).callTimeout(Duration.ofSeconds(30)).client(client);
    for (String a : alsoListed) {
      b.allowHost(a);
    }
    try (HttpsSink sink = b.build()) {
      return catchThrowableOfType(DeliveryException.class, () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      169.254.169.254        | link-local / cloud metadata (169.254.0.0/16)
      168.63.129.16          | Azure host agent (WireServer, 168.63.129.16)
      100.100.100.200        | Alibaba Cloud instance metadata (100.100.100.200)
      fd00:ec2::254          | AWS instance metadata over IPv6 (fd00:ec2::254)
      fd00:ec2::23           | AWS EKS Pod Identity credentials over IPv6 (fd00:ec2::23)
      169.254.170.2          | link-local / cloud metadata (169.254.0.0/16)
      169.254.170.23         | link-local / cloud metadata (169.254.0.0/16)
      64:ff9b::a9fe:a9fe     | link-local / cloud metadata (169.254.0.0/16) embedded in NAT64
      """)
  void deliver_allowListedNameResolvingToACloudService_isRefused_nothingLeaves(String answer, String range) {
    // the name was listed so an internal receiver on a private network could be reached; its DNS record pointing at
    // the instance metadata service (changed, or a hijacked internal resolver) sent the signed lead there
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      DeliveryException e = deliverThroughTrap(answer, trap);
      assertThat(e).as("refused").isNotNull();
      Diagnosis d = e.diagnosis().orElseThrow();
      assertThat(d.code()).as(e.getMessage()).isEqualTo("HTTPS_BLOCKED_ADDRESS");
      assertThat(d.message()).contains(LISTED + " resolves to ").contains(range);
      assertThat(trap.accepted(100)).as("connections that reached the proxy").isZero();
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      10.0.0.7
      192.168.1.20
      169.254.10.1
      127.0.0.1
      fd12:3456::7
      """)
  void deliver_allowListedNameResolvingToAPrivateNetwork_stillGoesOut(String answer) {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      DeliveryException e = deliverThroughTrap(answer, trap);
      assertThat(e).as("the trap is no real proxy").isNotNull();
      assertThat(e.diagnosis().map(Diagnosis::code)).as(e.getMessage()).isNotEqualTo(
          java.util.Optional.of("HTTPS_BLOCKED_ADDRESS"));
      assertThat(trap.accepted(100)).as("connections that reached the proxy").isEqualTo(1);
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      10.0.0.5       | 1
      93.184.215.14  | 1
      127.0.0.1      | 0
      """)
  void deliver_listedLocalhostOverPlainHttp_answeredWithAnotherMachine_isRefused(String answer, int refused) {
    // localhost listed in allowedHosts and allowHttpHosts for a receiver on this machine: a resolver (a tampered hosts
    // file, a hostile DNS) answering it with another machine's address sent the lead there in clear; every guard
    // refuses a localhost that is not this machine, a listed one now too
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      OkHttpClient client = new OkHttpClient.Builder().proxy(trap.httpProxy())
          .dns(h -> List.of(InetAddress.getByAddress(h, InetAddress.getByName(answer).getAddress()))).build();
      DeliveryException e;
      try (HttpsSink sink = HttpsSink.builder(URI.create("http://localhost:8080/hook")).signingSecret(SECRET)
          .allowHost("localhost").allowHttpHost("localhost").allowHost("127.0.0.1") // the proxy's address
          .connectTimeout(Duration.ofSeconds(10)).callTimeout(Duration.ofSeconds(30)).client(client).build()) {
        e = catchThrowableOfType(DeliveryException.class, () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
      }
      assertThat(e).as("refused, or failing at the trap").isNotNull();
      if (refused == 1) {
        assertThat(e.diagnosis().map(Diagnosis::code)).as(e.getMessage()).hasValue("HTTPS_BLOCKED_ADDRESS");
        assertThat(e.diagnosis().orElseThrow().message()).contains("localhost resolves to " + answer
            + ", a non-loopback (localhost must be this machine) address");
      }
      assertThat(trap.accepted(100)).as("connections that reached the proxy").isEqualTo(1 - refused);
    }
  }

  @Test
  void deliver_cloudServiceAddressListedItself_isAllowed() {
    // an operator who means it lists the address itself
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      DeliveryException e = deliverThroughTrap("169.254.169.254", trap, "169.254.169.254");
      assertThat(e.diagnosis().map(Diagnosis::code)).as(e.getMessage()).isNotEqualTo(
          java.util.Optional.of("HTTPS_BLOCKED_ADDRESS"));
      assertThat(trap.accepted(100)).isEqualTo(1);
    }
  }

  @Test
  void guard_allowListedName_atItsDnsAnswerAndAtConnect_isRefusedTheMetadataAddress() throws Exception {
    // without a proxy the client resolves, then connects: both checks see the listed name with the metadata address
    AddressGuard guard = AddressGuard.allowing(List.of(LISTED));
    InetAddress imds = InetAddress.getByName("169.254.169.254");
    assertThatExceptionOfType(BlockedAddressException.class)
        .isThrownBy(() -> guard.lookup(LISTED, h -> List.of(imds)))
        .withMessage(LISTED + " resolves to 169.254.169.254, a link-local / cloud metadata (169.254.0.0/16) address;"
            + " requests to it are blocked to prevent server-side request forgery");
    assertThatExceptionOfType(BlockedAddressException.class)
        .isThrownBy(() -> guard.checkConnect(new InetSocketAddress(InetAddress.getByAddress(LISTED,
            imds.getAddress()), 443)));
    assertThatExceptionOfType(BlockedAddressException.class)
        .isThrownBy(() -> guard.checkResolved(LISTED, List.of(imds)));
    // and what the name was listed for still passes
    assertThat(guard.lookup(LISTED, h -> List.of(InetAddress.getByName("10.0.0.7")))).hasSize(1);
    guard.checkConnect(new InetSocketAddress(InetAddress.getByAddress(LISTED, new byte[] {10, 0, 0, 7}), 443));
  }
}
