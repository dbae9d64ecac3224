package io.leadrouter.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.ConnectionTrap;
import io.leadrouter.testkit.SampleLeads;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import okhttp3.OkHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard on the Dataverse and Entra clients: an address that is never a cloud API's (here the unspecified
 * address, which reaches this machine) is refused, permanently, whether the URL spells it or DNS answers it.
 */
class DynamicsSsrfTest {
  @ParameterizedTest
  @ValueSource(strings = {"crm.test", "0", "0.0.0.0", "[::ffff:0.0.0.0]"})
  void deliver_hostReachingTheUnspecifiedAddress_isRefusedAndNeverConnects(String host) {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      // the resolver answers 0.0.0.0 for every name: connecting there reaches the trap on 127.0.0.1
      OkHttpClient client = new OkHttpClient.Builder()
          .dns(name -> List.of(InetAddress.getByAddress(name, new byte[4]))).build();
      String url = "https://" + host + ":" + trap.port();
      DynamicsSink sink = DynamicsSink.builder().tenantId(FakeDynamics.TENANT).clientId(FakeDynamics.CLIENT)
          .clientSecret(Secret.of(FakeDynamics.SECRET)).instanceUrl(url).authorityHost(URI.create(url))
          .httpClient(client).build();
      PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class,
          () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
      assertThat(e).as("refused permanently").isNotNull();
      assertThat(e.diagnosisValue().code()).isEqualTo("DYNAMICS_BLOCKED_ADDRESS");
      assertThat(e.diagnosisValue().message()).startsWith("Microsoft Entra authorityHost: ")
          .contains(" an unspecified (0.0.0.0/8) address").endsWith("blocked to prevent server-side request forgery");
      assertThat(trap.accepted(100)).isZero();
    }
  }
}
