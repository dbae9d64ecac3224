package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.util.Context;
import io.leadrouter.ConfigurationException;
import io.leadrouter.Problem;
import io.leadrouter.azuretable.internal.GuardedHttpClient;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.ConnectionTrap;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard of the Azure Table sink and poller: a table endpoint spelling, in any form, the metadata /
 * link-local or the unspecified address (which reaches this machine) is refused at build naming the setting and the
 * fix; a name resolving there is refused per request, before the Azure SDK's client connects (a trap listener proves
 * nothing arrived), and again just before the SDK's Netty client connects (DNS rebinding).
 */
class AzureTableSsrfTest {
  private static final String SAS = "sv=2019-02-02&se=2099-01-01T00%3A00%3A00Z&tn=leads&sp=raud"
      + "&sig=c2VjcmV0LXNhcy1zaWduYXR1cmU%3D";

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "169.254.43518",
      "0xa9.0xfe.0xa9.0xfe", "169.254.169.254.", "0XA9FEA9FE", "good@169.254.169.254", "[::ffff:169.254.169.254]",
      "[::ffff:a9fe:a9fe]", "[::a9fe:a9fe]", "[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::]", "[fe80::1]",
      "[FE80::A9FE:A9FE]", "[fe80::1%25eth0]", "0", "0.0.0.0", "0x0", "[::]", "[::ffff:0:0]"})
  void build_sasEndpointSpellingABlockedAddress_isRefusedNamingEndpointAndTheFix(String host) {
    Problem p = refusal(AzureTableAccount.sas(URI.create("http://" + host + ":10002/devstoreaccount1"),
        Secret.of(SAS)));
    assertThat(p.path()).isEqualTo("endpoint");
    assertThat(p.message()).startsWith("endpoint ").endsWith("blocked to prevent server-side request forgery")
        .containsAnyOf("link-local", "unspecified");
    assertThat(p.fix()).contains("https://<account>.table.core.windows.net");
    assertThat(p.toString()).doesNotContain("sig=").doesNotContain("c2VjcmV0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "0x0", "[::ffff:a9fe:a9fe]"})
  void build_connectionStringTableEndpointSpellingABlockedAddress_isRefusedWithoutShowingTheKey(String host) {
    Problem p = refusal(AzureTableAccount.connectionString(Secret.of("DefaultEndpointsProtocol=http;AccountName="
        + "devstoreaccount1;AccountKey=" + Azurite.KEY + ";TableEndpoint=http://" + host + "/devstoreaccount1;")));
    assertThat(p.path()).isEqualTo("connectionString");
    assertThat(p.message()).startsWith("the connection string's table endpoint ").contains("blocked");
    assertThat(p.toString()).doesNotContain(Azurite.KEY);
  }

  @Test
  void build_connectionStringWithMetadataEndpointSuffix_isRefused() {
    Problem p = refusal(AzureTableAccount.connectionString(Secret.of("DefaultEndpointsProtocol=http;AccountName="
        + "acct;AccountKey=" + Azurite.KEY + ";EndpointSuffix=169.254.169.254")));
    assertThat(p.path()).isEqualTo("connectionString");
  }

  @Test
  void build_pollerOnAMetadataEndpoint_isRefusedNamingEndpoint() {
    ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> AzureTableLeadPoller
        .builder().account(AzureTableAccount.sas(URI.create("http://2852039166/acct"), Secret.of(SAS)))
        .target(lead -> { }).build());
    assertThat(e).isNotNull();
    assertThat(e.problems()).extracting(Problem::path).contains("endpoint");
  }

  @Test
  void build_ordinaryEndpoints_areAccepted() {
    for (String url : List.of("https://acct.table.core.windows.net", "http://127.0.0.1:10002/devstoreaccount1",
        "https://10.1.2.3/acct", "https://acct.privatelink.table.core.windows.net")) {
      try (AzureTableSink sink = sink(AzureTableAccount.sas(URI.create(url), Secret.of(SAS)))) {
        assertThat(sink.config().account().endpoint()).hasToString(url);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "169.254.169.254", "::ffff:0.0.0.0", "fe80::1"})
  void send_nameResolvingToABlockedAddress_isRefusedBeforeConnectingAndDiagnosed(String answer) {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      HttpClient guarded = new GuardedHttpClient(HttpClient.createDefault(), AddressGuard.forCloudApi(),
          name -> List.of(java.net.InetAddress.getByName(answer)));
      HttpRequest request = new HttpRequest(HttpMethod.GET, "http://acct.table.test:" + trap.port() + "/Tables");
      RuntimeException sync = catchThrowableOfType(RuntimeException.class,
          () -> guarded.sendSync(request, Context.NONE));
      Throwable async = catchThrowableOfType(Throwable.class, () -> guarded.send(request).block());
      for (Throwable t : List.of(sync, async)) {
        DeliveryException d = AzureTableErrors.classify(t, "leads");
        assertThat(d).isInstanceOf(PermanentDeliveryException.class);
        assertThat(d.diagnosis().orElseThrow().code()).isEqualTo(AzureTableErrors.BLOCKED_ADDRESS);
        assertThat(d.diagnosis().orElseThrow().message()).startsWith("Azure Table endpoint: acct.table.test "
            + "resolves to ");
      }
      assertThat(trap.accepted(100)).as("connections that reached the trap").isZero();
    }
  }

  @Test
  void send_dnsAnswerChangingBetweenTheCheckAndNettysConnect_isRefusedBeforeConnecting() throws Exception {
    // DNS rebinding: the check before the request resolves the name to a public address; the SDK's Netty client
    // resolves it again when it connects and gets this machine (the trap), where the request, signed with the
    // account key, would have gone
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      reactor.netty.http.client.HttpClient rebinding = reactor.netty.http.client.HttpClient.create()
          .resolver(answering(java.net.InetAddress.getByName("127.0.0.1")));
      HttpClient guarded = GuardedHttpClient.netty(rebinding, AddressGuard.forCloudApi(),
          name -> List.of(java.net.InetAddress.getByName("93.184.215.14")), Duration.ofSeconds(5),
          Duration.ofSeconds(10));
      HttpRequest request = new HttpRequest(HttpMethod.GET, "http://acct.table.test:" + trap.port() + "/Tables");
      RuntimeException sync = catchThrowableOfType(RuntimeException.class,
          () -> guarded.sendSync(request, Context.NONE));
      Throwable async = catchThrowableOfType(Throwable.class, () -> guarded.send(request).block());
      for (Throwable t : java.util.Arrays.asList(sync, async)) {
        assertThat(t).as("refused").isNotNull();
        DeliveryException d = AzureTableErrors.classify(t, "leads");
        assertThat(d).as(String.valueOf(t)).isInstanceOf(PermanentDeliveryException.class);
        assertThat(d.diagnosis().orElseThrow().code()).isEqualTo(AzureTableErrors.BLOCKED_ADDRESS);
        assertThat(d.diagnosis().orElseThrow().message()).startsWith("Azure Table endpoint: acct.table.test "
            + "resolves to ").contains("a loopback (127.0.0.0/8)");
      }
      assertThat(trap.accepted(100)).as("connections that reached the trap").isZero();
    }
  }

  /** A Netty resolver answering every name with {@code address} (named, as real resolvers return it). */
  private static io.netty.resolver.AddressResolverGroup<java.net.InetSocketAddress> answering(
      java.net.InetAddress address) {
    return new io.netty.resolver.AddressResolverGroup<>() {
      @Override
      protected io.netty.resolver.AddressResolver<java.net.InetSocketAddress> newResolver(
          io.netty.util.concurrent.EventExecutor executor) {
        return new io.netty.resolver.InetSocketAddressResolver(executor,
            new io.netty.resolver.InetNameResolver(executor) {
              @Override
              protected void doResolve(String host, io.netty.util.concurrent.Promise<java.net.InetAddress> p)
                  throws Exception {
                p.setSuccess(java.net.InetAddress.getByAddress(host, address.getAddress()));
              }

              @Override
              protected void doResolveAll(String host,
                  io.netty.util.concurrent.Promise<List<java.net.InetAddress>> p) throws Exception {
                p.setSuccess(List.of(java.net.InetAddress.getByAddress(host, address.getAddress())));
              }
            });
      }
    };
  }

  private static Problem refusal(AzureTableAccount account) {
    ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> sink(account));
    assertThat(e).as("refused at build").isNotNull();
    assertThat(e.problems()).hasSize(1);
    return e.problems().get(0);
  }

  private static AzureTableSink sink(AzureTableAccount account) {
    return AzureTableSink.builder().account(account).tableName("leads").maxRetries(0)
        .requestTimeout(Duration.ofSeconds(10)).connectTimeout(Duration.ofSeconds(2)).build();
  }
}
