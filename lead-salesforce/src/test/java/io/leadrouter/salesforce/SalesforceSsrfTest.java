package io.leadrouter.salesforce;

import org.junit.jupiter.params.provider.FieldSource;
import java.util.List;
import io.leadrouter.testkit.MetadataSpellings;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.ConnectionTrap;
import java.net.URI;
import okhttp3.OkHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard on the Salesforce clients (REST and Web-to-Lead): an address that is never a cloud API's (here
 * the unspecified address, which reaches this machine) is refused, permanently, whether the URL spells it or DNS
 * answers it.
 */
class SalesforceSsrfTest {
  /** A resolver answering 0.0.0.0 for every name: connecting there reaches the trap on 127.0.0.1. */
  private static final OkHttpClient EVERY_NAME_IS_ZERO =
      new OkHttpClient.Builder().dns(ConnectionTrap::unspecifiedAddress).build();

  @ParameterizedTest
  @ValueSource(strings = {"acme.my.salesforce.test", "0", "0x0", "[::ffff:0.0.0.0]"})
  void deliver_myDomainReachingTheUnspecifiedAddress_isRefusedAndNeverConnects(String host) {
    try (ConnectionTrap trap = ConnectionTrap.open();
        SalesforceSink sink = SalesforceSink.builder().myDomain(URI.create("https://" + host + ":" + trap.port()))
            .clientId(FakeSalesforce.CLIENT_ID).clientSecret(Secret.of(FakeSalesforce.CLIENT_SECRET))
            .externalIdField(FakeSalesforce.EXT_FIELD).httpClient(EVERY_NAME_IS_ZERO).build()) {
      assertThat(trap.refusedWithoutConnecting(sink, "SALESFORCE_BLOCKED_ADDRESS").message())
          .startsWith("Salesforce token request to https://").contains("an unspecified (0.0.0.0/8) address");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"webto.salesforce.test", "0", "[::]"})
  void deliver_webToLeadReachingTheUnspecifiedAddress_isRefusedAndNeverConnects(String host) {
    try (ConnectionTrap trap = ConnectionTrap.open();
        WebToLeadSink sink = WebToLeadSink.builder().orgId(FakeSalesforce.ORG_ID)
            .endpoint(URI.create("https://" + host + ":" + trap.port() + "/servlet/servlet.WebToLead"))
            .leadIdField(FakeSalesforce.LEAD_ID_FORM_FIELD).httpClient(EVERY_NAME_IS_ZERO).build()) {
      assertThat(trap.refusedWithoutConnecting(sink, "SALESFORCE_BLOCKED_ADDRESS").message())
          .startsWith("Web-to-Lead POST to ").contains("unspecified");
    }
  }

  @ParameterizedTest
  @FieldSource("io.leadrouter.testkit.MetadataSpellings#HOSTS")
  void deliver_myDomainSpellingTheMetadataAddress_isRefusedNamingTheSetting(String host) {
    MetadataSpellings.assertRefused(() -> SalesforceSink.builder().myDomain(URI.create("https://" + host))
        .clientId(FakeSalesforce.CLIENT_ID).clientSecret(Secret.of(FakeSalesforce.CLIENT_SECRET))
        .externalIdField(FakeSalesforce.EXT_FIELD).build(), "SALESFORCE_BLOCKED_ADDRESS", List.of("myDomain"));
  }

  @ParameterizedTest
  @FieldSource("io.leadrouter.testkit.MetadataSpellings#HOSTS")
  void deliver_webToLeadEndpointSpellingTheMetadataAddress_isRefusedNamingTheSetting(String host) {
    MetadataSpellings.assertRefused(() -> WebToLeadSink.builder().orgId(FakeSalesforce.ORG_ID)
        .endpoint(URI.create("https://" + host + "/servlet/servlet.WebToLead"))
        .leadIdField(FakeSalesforce.LEAD_ID_FORM_FIELD).build(), "SALESFORCE_BLOCKED_ADDRESS", List.of("endpoint"));
  }
}
