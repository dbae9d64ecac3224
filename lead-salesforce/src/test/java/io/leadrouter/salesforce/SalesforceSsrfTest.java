package io.leadrouter.salesforce;

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
 * The SSRF guard on the Salesforce clients (REST and Web-to-Lead): an address that is never a cloud API's (here
 * the unspecified address, which reaches this machine) is refused, permanently, whether the URL spells it or DNS
 * answers it.
 */
class SalesforceSsrfTest {
  private static OkHttpClient everyNameIsZero() {
    return new OkHttpClient.Builder().dns(name -> List.of(InetAddress.getByAddress(name, new byte[4]))).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"acme.my.salesforce.test", "0", "0x0", "[::ffff:0.0.0.0]"})
  void deliver_myDomainReachingTheUnspecifiedAddress_isRefusedAndNeverConnects(String host) {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      SalesforceSink sink = SalesforceSink.builder().myDomain(URI.create("https://" + host + ":" + trap.port()))
          .clientId(FakeSalesforce.CLIENT_ID).clientSecret(Secret.of(FakeSalesforce.CLIENT_SECRET))
          .externalIdField(FakeSalesforce.EXT_FIELD).httpClient(everyNameIsZero()).build();
      try {
        PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class,
            () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
        assertThat(e).as("refused permanently").isNotNull();
        assertThat(e.diagnosisValue().code()).isEqualTo("SALESFORCE_BLOCKED_ADDRESS");
        assertThat(e.diagnosisValue().message()).startsWith("Salesforce token request to https://").contains("an unspecified (0.0.0.0/8) address");
        assertThat(trap.accepted(100)).isZero();
      } finally {
        sink.close();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"webto.salesforce.test", "0", "[::]"})
  void deliver_webToLeadReachingTheUnspecifiedAddress_isRefusedAndNeverConnects(String host) {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      WebToLeadSink sink = WebToLeadSink.builder().orgId(FakeSalesforce.ORG_ID)
          .endpoint(URI.create("https://" + host + ":" + trap.port() + "/servlet/servlet.WebToLead"))
          .leadIdField(FakeSalesforce.LEAD_ID_FORM_FIELD).httpClient(everyNameIsZero()).build();
      try {
        PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class,
            () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
        assertThat(e).as("refused permanently").isNotNull();
        assertThat(e.diagnosisValue().code()).isEqualTo("SALESFORCE_BLOCKED_ADDRESS");
        assertThat(e.diagnosisValue().message()).startsWith("Web-to-Lead POST to ").contains("unspecified");
        assertThat(trap.accepted(100)).isZero();
      } finally {
        sink.close();
      }
    }
  }
}
