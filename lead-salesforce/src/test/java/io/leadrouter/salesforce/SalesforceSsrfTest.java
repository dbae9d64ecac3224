package io.leadrouter.salesforce;

import org.junit.jupiter.params.provider.FieldSource;
import java.util.List;
import io.leadrouter.testkit.MetadataSpellings;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.ConnectionTrap;
import io.leadrouter.testkit.LoopbackSpellings;
import java.net.URI;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.testkit.SampleLeads;
import org.junit.jupiter.api.extension.RegisterExtension;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import okhttp3.OkHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard on the Salesforce clients (REST and Web-to-Lead): an address that is never a cloud API's (here
 * the unspecified address, which reaches this machine) is refused, permanently, whether the URL spells it or DNS
 * answers it.
 */
class SalesforceSsrfTest {
  @RegisterExtension
  static final FakeSalesforce FAKE = new FakeSalesforce();
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

  /**
   * Salesforce's token answer carries {@code instance_url}; a hostile or compromised token endpoint could point it at
   * an internal address or plain http. The sink never follows it: every API call, with the access token, goes to the
   * configured {@code myDomain} (the trap, which the answer names, sees no connection).
   */
  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:%d", "http://localhost:%d", "https://127.0.0.1:%d"})
  void deliver_tokenAnswerNamingAnotherInstanceUrl_isIgnoredAndTheTokenStaysWithMyDomain(String instance)
      throws Exception {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      FAKE.tokenNamesInstance(String.format(instance, trap.port()));
      SalesforceSink sink = FAKE.open(FAKE.sinkBuilder().externalIdField(FakeSalesforce.EXT_FIELD));
      assertThat(sink.deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(trap.accepted(100)).as("connections to the instance_url the token answer named").isZero();
      assertThat(FAKE.server.findAll(anyRequestedFor(urlPathMatching("/services/data/.*")))).isNotEmpty()
          .allSatisfy(r -> assertThat(r.getHeader("Authorization")).startsWith("Bearer "));
    }
  }

  /** A URL refused at build is named without the password its user info carries. */
  @ParameterizedTest
  @ValueSource(strings = {"http://admin:Pw4Leak9xyz@contoso.my.salesforce.com", "https://admin:Pw4Leak9xyz@169.254.43518"})
  void build_urlWithAPassword_isRefusedWithoutShowingIt(String url) {
    Throwable rest = org.assertj.core.api.Assertions.catchThrowable(() -> SalesforceSink.builder()
        .myDomain(URI.create(url)).clientId(FakeSalesforce.CLIENT_ID)
        .clientSecret(Secret.of(FakeSalesforce.CLIENT_SECRET)).externalIdField(FakeSalesforce.EXT_FIELD).build());
    Throwable web = org.assertj.core.api.Assertions.catchThrowable(() -> WebToLeadSink.builder()
        .orgId(FakeSalesforce.ORG_ID).endpoint(URI.create(url + "/servlet/servlet.WebToLead"))
        .leadIdField(FakeSalesforce.LEAD_ID_FORM_FIELD).build());
    for (Throwable e : List.of(rest, web)) {
      assertThat(e).isNotNull();
      assertThat(e.getMessage()).containsAnyOf("myDomain", "endpoint").doesNotContain("Pw4Leak9xyz");
    }
  }

  /** Plain http only to a test fake on this machine, however the URL spells it ({@code LOCALHOST}, {@code [::1]}). */
  @org.junit.jupiter.api.Test
  void build_plainHttp_isAllowedToThisMachineOnly() {
    LoopbackSpellings.assertPlainHttpOnlyToThisMachine(url -> SalesforceSink.builder().myDomain(url)
        .clientId(FakeSalesforce.CLIENT_ID).clientSecret(Secret.of(FakeSalesforce.CLIENT_SECRET))
        .externalIdField(FakeSalesforce.EXT_FIELD).build(), "is plain http");
    LoopbackSpellings.assertPlainHttpOnlyToThisMachine(url -> WebToLeadSink.builder().orgId(FakeSalesforce.ORG_ID)
        .endpoint(url.resolve("/servlet/servlet.WebToLead")).leadIdField(FakeSalesforce.LEAD_ID_FORM_FIELD).build(),
        "is plain http");
  }
}
