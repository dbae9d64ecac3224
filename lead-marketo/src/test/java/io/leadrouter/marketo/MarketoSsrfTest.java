package io.leadrouter.marketo;

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
 * The SSRF guard on the Marketo client: an address that is never a cloud API's (here the unspecified address,
 * which reaches this machine) is refused, permanently, whether the URL spells it or DNS answers it; the client
 * secret (a query parameter of the identity call) never leaves.
 */
class MarketoSsrfTest {
  @ParameterizedTest
  @ValueSource(strings = {"123-abc-456.mktorest.test", "0", "0x0", "[::ffff:0:0]"})
  void deliver_hostReachingTheUnspecifiedAddress_isRefusedAndNeverConnects(String host) {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      OkHttpClient client = new OkHttpClient.Builder()
          .dns(name -> List.of(InetAddress.getByAddress(name, new byte[4]))).build();
      String base = "https://" + host + ":" + trap.port();
      MarketoSink sink = MarketoSink.builder().endpoint(URI.create(base + "/rest"))
          .identity(URI.create(base + "/identity")).clientId(FakeMarketo.CLIENT_ID)
          .clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET)).httpClient(client).build();
      PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class,
          () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
      assertThat(e).as("refused permanently").isNotNull();
      assertThat(e.diagnosisValue().code()).isEqualTo("MARKETO_BLOCKED_ADDRESS");
      assertThat(e.diagnosisValue().message()).startsWith("Marketo identity endpoint: ")
          .contains("unspecified").doesNotContain(FakeMarketo.CLIENT_SECRET);
      assertThat(e.diagnosisValue().remediation()).startsWith("correct identity or the DNS entry of ");
      assertThat(trap.accepted(100)).isZero();
    }
  }
}
