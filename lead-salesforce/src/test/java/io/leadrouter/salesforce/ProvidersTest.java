package io.leadrouter.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.time.ZoneId;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class ProvidersTest {

  @Test
  void serviceLoader_findsBothProviders() {
    assertThat(ServiceLoader.load(LeadSinkProvider.class).stream().map(p -> p.get().type()))
        .contains("salesforce", "salesforce-web2lead");
  }

  /** Asserts that {@code provider} refuses {@code config} with one {@link ConfigurationException} saying this. */
  static void assertRefused(LeadSinkProvider provider, SinkConfig config, String message) {
    assertThatThrownBy(() -> provider.create(config)).isInstanceOf(ConfigurationException.class)
        .hasMessage(message);
  }

  @Test
  void salesforce_missingKeysAndUnknownKey_reportedAtOnce() {
    SinkConfig config = SinkConfig.builder("crm", "salesforce").put("clientSecret", "inline!")
        .put("apiVersion", "62").put("fields.nickname", "Nick__c").put("externalIdFeld", "X__c").build();
    assertRefused(new SalesforceSinkProvider(), config, "invalid configuration (6 problems):\n"
        + "  - sinks.crm.apiVersion: '62' is not an API version (write it like v62.0)\n"
        + "  - sinks.crm.myDomain: is required (set myDomain for the salesforce sink)\n"
        + "  - sinks.crm.clientId: is required (set clientId for the salesforce sink)\n"
        + "  - sinks.crm.clientSecret: is a secret and must not be written inline (write it as ${ENV_VAR} or "
        + "${file:/path/to/file})\n"
        + "  - sinks.crm.fields.nickname: is not a lead part (use one of firstName, lastName, email, phone, "
        + "company, title, country, leadSource, description, offerTitle, leadId)\n"
        + "  - sinks.crm.externalIdFeld: is not a setting of the salesforce sink (did you mean 'externalIdField'? "
        + "otherwise remove it)");
  }

  @Test
  void aMisspelledLeadPart_suggestsTheNearestOne() {
    SinkConfig config = SinkConfig.builder("mp", "salesforce-web2lead").put("orgId", "00D5e000000AbCd")
        .put("fields.compnay", "Company__c").build();
    assertRefused(new WebToLeadSinkProvider(), config, "invalid configuration: sinks.mp.fields.compnay: is not a lead"
        + " part (did you mean 'company'? otherwise use one of firstName, lastName, email, phone, company, title,"
        + " country, leadSource, description, offerTitle, leadId)");
  }

  @Test
  void plainHttpUrls_areRefusedAtBuild_exceptForALoopbackFake() {
    // were accepted: the client secret (REST) and the customer's data (Web-to-Lead) would have gone unencrypted
    SinkConfig rest = SinkConfig.builder("crm", "salesforce").put("myDomain", "http://contoso.my.salesforce.com")
        .put("clientId", "3MVG9").secret("clientSecret", Secret.of("s"), "${SF_SECRET}").build();
    assertRefused(new SalesforceSinkProvider(), rest, "invalid configuration: sinks.crm.myDomain: "
        + "'http://contoso.my.salesforce.com' is plain http: the client secret and the access token would travel "
        + "unencrypted (write the org's My Domain URL, e.g. https://contoso.my.salesforce.com)");
    SinkConfig form = SinkConfig.builder("mp", "salesforce-web2lead").put("orgId", "00D5e000000AbCd")
        .put("endpoint", "http://webto.salesforce.com/servlet/servlet.WebToLead").build();
    assertRefused(new WebToLeadSinkProvider(), form, "invalid configuration: sinks.mp.endpoint: "
        + "'http://webto.salesforce.com/servlet/servlet.WebToLead' is plain http: the customer's personal data "
        + "would travel unencrypted (write it as " + WebToLeadConfig.DEFAULT_ENDPOINT + ")");
    SalesforceSink.builder().myDomain(java.net.URI.create("http://127.0.0.1:8080")).clientId("3MVG9")
        .clientSecret(Secret.of("s")).build().close();
    WebToLeadSink.builder().orgId("00D5e000000AbCd").endpoint(java.net.URI.create("http://localhost:8080/servlet"))
        .build().close();
  }

  @Test
  void salesforce_fullConfig_buildsSinkWithEverySetting() {
    SinkConfig config = SinkConfig.builder("crm", "salesforce").put("myDomain", "https://contoso.my.salesforce.com")
        .put("clientId", "3MVG9").secret("clientSecret", Secret.of("s3cr3t")).put("apiVersion", "v61.0")
        .put("externalIdField", "LeadRouter_Id__c").put("leadSourceValue", "Web").put("apiUsageThreshold", "90")
        .put("quotaRetryAfter", "2h").put("timeout", "10s").put("maxConcurrency", "8").put("maxBatchSize", "50")
        .put("fields.offerTitle", "Offer__c").put("fields.phone", "").build();
    try (SalesforceSink sink = (SalesforceSink) new SalesforceSinkProvider().create(config)) {
      SalesforceConfig c = sink.config();
      assertThat(c.credentials().apiVersion()).isEqualTo("v61.0");
      assertThat(c.externalIdField()).contains("LeadRouter_Id__c");
      assertThat(c.apiUsageThreshold()).isEqualTo(90);
      assertThat(c.maxBatchSize()).isEqualTo(50);
      assertThat(c.fields().name(LeadField.OFFER_TITLE)).contains("Offer__c");
      assertThat(c.fields().name(LeadField.PHONE)).isEmpty();
      assertThat(sink.capabilities().maxConcurrency()).isEqualTo(8);
      assertThat(c.toString()).doesNotContain("s3cr3t");
      assertThat(sink.toString()).isEqualTo("SalesforceSink[https://contoso.my.salesforce.com v61.0, upsert by "
          + "LeadRouter_Id__c]");
    }
  }

  @Test
  void web2lead_badOrgIdTimeZoneAndPartialCredentials_reportedAtOnce() {
    SinkConfig config = SinkConfig.builder("mp", "salesforce-web2lead").put("orgId", "00D123")
        .put("timeZone", "Mars/Olympus").put("myDomain", "https://contoso.my.salesforce.com").build();
    assertRefused(new WebToLeadSinkProvider(), config, "invalid configuration (4 problems):\n"
        + "  - sinks.mp.timeZone: 'Mars/Olympus' is not a time zone (use an IANA zone such as "
        + "America/Los_Angeles, or UTC)\n"
        + "  - sinks.mp.clientId: is required (set clientId for the salesforce-web2lead sink)\n"
        + "  - sinks.mp.clientSecret: is required (set clientSecret as ${ENV_VAR} or ${file:/path/to/file})\n"
        // checked by WebToLeadSink.Builder#build(), after the keys are read
        + "  - sinks.mp.orgId: '00D123' is not a Salesforce org id (15 or 18 letters and digits starting 00D) "
        + "(copy the Organization ID from Setup > Company Information)");
  }

  @Test
  void web2lead_orgIdOnly_buildsWithDefaults() {
    SinkConfig config = SinkConfig.builder("mp", "salesforce-web2lead").put("orgId", "00D5e000000AbCd")
        .put("leadIdField", "00N5e00000LeadId").put("timeZone", "America/Los_Angeles").build();
    try (WebToLeadSink sink = (WebToLeadSink) new WebToLeadSinkProvider().create(config)) {
      WebToLeadConfig c = sink.config();
      assertThat(c.endpoint()).isEqualTo(WebToLeadConfig.DEFAULT_ENDPOINT);
      assertThat(c.dailyLimit()).isEqualTo(500);
      assertThat(c.timeZone()).isEqualTo(ZoneId.of("America/Los_Angeles"));
      assertThat(c.fields().name(LeadField.LEAD_ID)).contains("00N5e00000LeadId");
      assertThat(c.restCredentials()).isEqualTo(Optional.empty());
      assertThat(sink.toString()).isEqualTo("WebToLeadSink[oid=00D5e000000AbCd, webto.salesforce.com, "
          + "dailyLimit=500 per day in America/Los_Angeles]");
    }
  }
}
