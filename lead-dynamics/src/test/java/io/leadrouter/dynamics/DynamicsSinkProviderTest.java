package io.leadrouter.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.SinkConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code type: dynamics} provider: reads, validates and reports every setting at once. */
class DynamicsSinkProviderTest {
  private static final String SECRET = "Zp3~provider.secret_Value";

  private static SinkConfig.Builder valid() {
    return SinkConfig.builder("crm", "dynamics")
        .put("tenantId", "contoso.onmicrosoft.com")
        .put("clientId", "0b2e1a6c-6a4e-4c1b-9f55-1f0d3c2a9e01")
        .secret("clientSecret", Secret.of(SECRET))
        .put("instanceUrl", "https://contoso.crm.dynamics.com");
  }

  @Test
  void serviceLoader_findsTheDynamicsProvider() {
    assertThat(ServiceLoader.load(LeadSinkProvider.class).stream().map(p -> p.get().type()))
        .contains("dynamics");
  }

  /**
   * Dataverse's 6,000 requests per 300 s count requests, and match: email makes two per lead (the lookup and the
   * write): the declared pace is halved so the default keeps under the limit instead of drawing 429s.
   */
  @Test
  void create_matchEmail_declaresHalfTheLeadsPerWindow() {
    LeadSink sink = new DynamicsSinkProvider().create(valid().put("match", "email").build());
    assertThat(sink.capabilities().rateLimit()).contains(new SinkCapabilities.RateLimit(3000,
        Duration.ofSeconds(300)));
    assertThat(sink.capabilities().maxConcurrency()).isEqualTo(52);
  }

  @Test
  void create_validConfig_declaresDataverseLimits() {
    LeadSink sink = new DynamicsSinkProvider().create(valid().put("mapping.title", "new_role")
        .put("idColumn", "new_leadrouterid").put("timeout", "10s").build());
    SinkCapabilities c = sink.capabilities();
    assertThat(c.maxConcurrency()).isEqualTo(52);
    assertThat(c.rateLimit()).contains(new SinkCapabilities.RateLimit(6000, Duration.ofSeconds(300)));
    assertThat(c.upsert()).isTrue();
    assertThat(c.confirmsDelivery()).isTrue();
    DynamicsConfig config = ((DynamicsSink) sink).config();
    assertThat(config.mapping()).containsEntry("title", "new_role").containsEntry("email", "emailaddress1");
    assertThat(config.idColumn()).isEqualTo(Optional.of("new_leadrouterid"));
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(sink.toString()).isEqualTo("DynamicsSink[https://contoso.crm.dynamics.com, "
        + "tenant=contoso.onmicrosoft.com, client=0b2e1a6c-6a4e-4c1b-9f55-1f0d3c2a9e01, idColumn=new_leadrouterid]");
    assertThat(config.toString()).doesNotContain(SECRET).contains("Secret[******]");
  }

  @Test
  void create_everythingWrong_reportsEveryProblemAtOnce() {
    SinkConfig config = SinkConfig.builder("crm", "dynamics")
        .put("tenantId", "contoso_corp")
        .put("clientId", "my-app")
        .put("clientSecret", "inline-secret")
        .put("instanceUrl", "http://contoso.crm.dynamics.com")
        .put("mapping.nickname", "new_nick")
        .put("leadSourcCode", "8")
        .build();
    assertThatThrownBy(() -> new DynamicsSinkProvider().create(config))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration (6 problems):\n"
            + "  - sinks.crm.clientSecret: is a secret and must not be written inline (write it as ${ENV_VAR} or "
            + "${file:/path/to/file})\n"
            + "  - sinks.crm.tenantId: 'contoso_corp' is not a GUID or domain (copy the Directory (tenant) ID from "
            + "the Microsoft Entra ID overview, or use a verified domain such as contoso.onmicrosoft.com)\n"
            + "  - sinks.crm.clientId: 'my-app' is not a GUID (copy the Application (client) ID from the app "
            + "registration's overview page)\n"
            + "  - sinks.crm.instanceUrl: 'http://contoso.crm.dynamics.com' is not an https URL (write it as "
            + "https://<org>.crm.dynamics.com)\n"
            + "  - sinks.crm.mapping.nickname: 'nickname' is not a lead field (map one of firstName, lastName, "
            + "email, phone, company, title, country, subject, description, leadSourceCode)\n"
            + "  - sinks.crm.leadSourcCode: is not a setting of the dynamics sink (did you mean 'leadSourceCode'? "
            + "otherwise remove it)");
  }

  @Test
  void create_missingRequiredKeys_namesEach() {
    assertThatThrownBy(() -> new DynamicsSinkProvider().create(SinkConfig.builder("crm", "dynamics").build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration (4 problems):\n"
            + "  - sinks.crm.tenantId: is required (set the Directory (tenant) ID from the Microsoft Entra ID overview, "
            + "or a verified domain such as contoso.onmicrosoft.com)\n"
            + "  - sinks.crm.clientId: is required (set the Application (client) ID from the app registration's "
            + "overview page)\n"
            + "  - sinks.crm.clientSecret: is required (set the app registration's client secret; in a descriptor as "
            + "${ENV_VAR} or ${file:/path/to/file})\n"
            + "  - sinks.crm.instanceUrl: is required (set https://<org>.crm.dynamics.com)");
  }

  @Test
  void create_instanceUrlWithPath_isRejected() {
    assertThatThrownBy(() -> new DynamicsSinkProvider().create(valid()
        .put("instanceUrl", "https://contoso.crm.dynamics.com/main.aspx").build()))
        .hasMessage("invalid configuration: sinks.crm.instanceUrl: 'https://contoso.crm.dynamics.com/main.aspx' "
            + "must not have a path or query (write only the scheme and host, e.g. https://<org>.crm.dynamics.com)");
  }

  @Test
  void builder_invalidSettings_reportsWithDynamicsPrefix() {
    assertThatThrownBy(() -> DynamicsSink.builder().tenantId("72f988bf-86f1-41af-91ab-2d7cd011db47")
        .clientId("0b2e1a6c-6a4e-4c1b-9f55-1f0d3c2a9e01").clientSecret(Secret.of(SECRET)).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: dynamics.instanceUrl: is required (set https://<org>.crm.dynamics.com)");
  }
}
