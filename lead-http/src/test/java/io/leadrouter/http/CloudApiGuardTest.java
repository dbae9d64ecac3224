package io.leadrouter.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.testkit.ConnectionTrap;
import java.time.Duration;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CRM sinks' client ({@link HttpClients#derive}, guarded by {@link AddressGuard#forCloudApi()}) against a real
 * loopback listener: a URL naming this machine reaches it (a local test fake), while an IPv6 address merely embedding
 * 127.0.0.1 for a translator or relay elsewhere, or a cloud credentials service, is refused before any connection
 * (those attempts go through the listener as the proxy, so one the guard let through would land there, counted).
 */
class CloudApiGuardTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      [64:ff9b::7f00:1]                       | NAT64 (64:ff9b::/96)
      [64:ff9b::127.0.0.1]                    | NAT64 (64:ff9b::/96)
      [2002:7f00:1::]                         | 6to4 (2002::/16)
      [2002:7f00:1:0:1::]                     | 6to4 (2002::/16)
      [::127.0.0.1]                           | IPv4-compatible IPv6 (::/96)
      [::ffff:0:7f00:1]                       | IPv4-translated IPv6 (::ffff:0:0:0/96)
      [2001:0:4136:e378:8000:63bf:80ff:fffe]  | Teredo (2001::/32)
      """)
  void derivedClient_ipv6EmbeddingLoopbackForAnotherHost_isRefusedBeforeConnecting(String host, String form) {
    // these reach a NAT64 gateway, a 6to4 or Teredo relay, or an IPv6 route, whose own 127.0.0.1 they name: the
    // cloud-API guard took them for this machine (a test fake) and let them through, as the CRM sinks' "plain http
    // only to this machine" rule did
    assertThat(blockedThroughTrap(host, "/api").range()).as(host)
        .isEqualTo("loopback (127.0.0.0/8) embedded in " + form);
    assertThat(AddressGuard.namesThisMachine(host)).as(host + " names this machine").isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      [fd00:ec2::23]          | AWS EKS Pod Identity credentials over IPv6 (fd00:ec2::23)
      [fd00:ec2:0:0:0:0:0:23] | AWS EKS Pod Identity credentials over IPv6 (fd00:ec2::23)
      """)
  void derivedClient_cloudCredentialServiceInAPrivateRange_isRefusedBeforeConnecting(String host, String range)
      throws Exception {
    // fd00:ec2::23 is a unique local address, which the cloud-API guard allows (Private Link lives in private ranges):
    // the EKS Pod Identity Agent there hands the pod's AWS credentials to any caller on the node
    assertThat(blockedThroughTrap(host, "/v1/credentials").range()).as(host).isEqualTo(range);
    // another address of the same unique local range stays allowed, as private networks are
    AddressGuard.forCloudApi().checkHost("[fd00:ec2::22]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]"})
  void derivedClient_urlNamingThisMachine_reachesTheLocalListener(String host) throws Exception {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      OkHttpClient client = HttpClients.derive(null, Duration.ofSeconds(5), 1);
      try {
        Throwable e = catchThrowable(() -> client.newCall(new Request.Builder()
            .url("http://" + host + ":" + trap.port() + "/api").build()).execute().close());
        assertThat(AddressGuard.blockedCause(e)).as(host + ": " + e).isEmpty();
      } finally {
        HttpClients.release(client);
      }
      assertThat(trap.accepted(100)).as(host).isEqualTo(1);
      assertThat(AddressGuard.namesThisMachine(host)).isTrue();
    }
  }

  /**
   * Asks a derived client for {@code http://host:<port>path} with a {@link ConnectionTrap} as its proxy, so that
   * whatever the guard lets through lands on 127.0.0.1, never elsewhere: the guard's refusal, once nothing reached the
   * trap; fails when the request was not refused.
   */
  private static BlockedAddressException blockedThroughTrap(String host, String path) {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      OkHttpClient client = HttpClients.derive(new OkHttpClient.Builder().proxy(trap.httpProxy()).build(),
          Duration.ofSeconds(30), 1);
      Throwable e;
      try {
        e = catchThrowable(() -> client.newCall(new Request.Builder()
            .url("http://" + host + ":" + trap.port() + path).build()).execute().close());
      } finally {
        HttpClients.release(client);
      }
      assertThat(trap.accepted(200)).as(host + " reached the trap").isZero();
      Optional<BlockedAddressException> blocked = AddressGuard.blockedCause(e);
      assertThat(blocked).as(host + ": " + e).isPresent();
      return blocked.get();
    }
  }
}
