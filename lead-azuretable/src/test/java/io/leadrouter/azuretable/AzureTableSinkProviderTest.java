package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.sas.TableSasPermission;
import com.azure.data.tables.sas.TableSasSignatureValues;
import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.SampleLeads;
import java.time.OffsetDateTime;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The descriptor form: every key read and validated at once; connection string and SAS really sign in. */
class AzureTableSinkProviderTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  private final AzureTableSinkProvider provider = new AzureTableSinkProvider();

  @Test
  void serviceLoader_findsProviderByType() {
    assertThat(ServiceLoader.load(LeadSinkProvider.class).stream().map(p -> p.get().type()))
        .contains("azuretable");
  }

  @Test
  void create_nothingGivenAndBadValues_reportsEveryProblemAtOnce() {
    SinkConfig config = SinkConfig.builder("leads", "azuretable").put("tableName", "1-bad")
        .put("maxRetries", "9").put("requestTimeout", "soon").put("tabelName", "x").build();
    assertThatThrownBy(() -> provider.create(config))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration (5 problems):\n"
            + "  - sinks.leads.requestTimeout: 'soon' is not a duration (write e.g. 500ms, 30s, 5m, 2h, 1d or PT30S)\n"
            + "  - sinks.leads.maxRetries: 9 is out of range (use a value from 0 to 5)\n"
            + "  - sinks.leads.tableName: '1-bad' is not a valid table name (use 3 to 63 letters and digits, "
            + "starting with a letter)\n"
            + "  - sinks.leads.connectionString: is required (or endpoint and sasToken) (set connectionString as "
            + "${ENV_VAR}, or endpoint and sasToken)\n"
            + "  - sinks.leads.tabelName: is not a setting of the azuretable sink (did you mean 'tableName'? "
            + "otherwise remove it)");
  }

  @Test
  void create_inlineConnectionString_isRefusedWithoutShowingIt() {
    String inline = AZURITE.azurite().connectionString().reveal();
    SinkConfig config = SinkConfig.builder("leads", "azuretable").put("connectionString", inline).build();
    assertThatThrownBy(() -> provider.create(config))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.leads.connectionString: is a secret and must not be written "
            + "inline (write it as ${ENV_VAR} or ${file:/path/to/file})")
        .message().doesNotContain(Azurite.KEY);
  }

  @Test
  void create_endpointWithoutSas_and_connectionStringWithoutKey_areReported() {
    assertThatThrownBy(() -> provider.create(SinkConfig.builder("a", "azuretable")
        .put("endpoint", "https://acct.table.core.windows.net").build()))
        // the half-given pair is a reading problem; build() then has no account at all and says so too
        .hasMessage("invalid configuration (2 problems):\n"
            + "  - sinks.a.sasToken: is required with endpoint (set sasToken as ${ENV_VAR})\n"
            + "  - sinks.a.connectionString: is required (or endpoint and sasToken) (set connectionString as "
            + "${ENV_VAR}, or endpoint and sasToken)");
    assertThatThrownBy(() -> provider.create(SinkConfig.builder("a", "azuretable")
        .secret("connectionString", Secret.of("AccountName=acct;EndpointSuffix=core.windows.net")).build()))
        .hasMessage("invalid configuration: sinks.a.connectionString: the connection string has neither AccountKey "
            + "nor SharedAccessSignature: copy it from the storage account's Access keys page (copy it again from "
            + "the storage account in the Azure portal)");
  }

  @Test
  void connectionString_deliversAndToStringHidesTheKey() throws Exception {
    SinkConfig config = SinkConfig.builder("leads", "azuretable")
        .secret("connectionString", AZURITE.azurite().connectionString())
        .put("tableName", "ProviderLeads").put("createTableIfMissing", "true").put("requestTimeout", "10s")
        .put("maxRetries", "0").build();
    try (LeadSink sink = provider.create(config)) {
      Lead lead = SampleLeads.testDrive();
      assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(sink.toString()).isEqualTo("AzureTableSink[table=ProviderLeads, AzureTableAccount["
          + "devstoreaccount1 at " + AZURITE.azurite().endpoint() + ", connection string]]");
      assertThat(AZURITE.azurite().table("ProviderLeads").getEntity("11:2F25:2F2026", lead.id().value()))
          .isNotNull();
    }
  }

  @Test
  void sasToken_deliversWithTableSas_andExpiredSasIsAuthFailed() throws Exception {
    TableClient admin = AZURITE.azurite().table("SasLeads");
    admin.createTable();
    String sas = admin.generateSas(new TableSasSignatureValues(OffsetDateTime.now().plusHours(1),
        TableSasPermission.parse("raud")));
    try (LeadSink sink = provider.create(sasConfig(sas))) {
      assertThat(sink.deliver(SampleLeads.appSourceCreate()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(sink.verify().passed()).isTrue();
    }
    String expired = admin.generateSas(new TableSasSignatureValues(OffsetDateTime.now().minusHours(1),
        TableSasPermission.parse("raud")));
    try (LeadSink sink = provider.create(sasConfig(expired))) {
      assertThatThrownBy(() -> sink.deliver(SampleLeads.appSourceCreate()))
          .isInstanceOfSatisfying(PermanentDeliveryException.class, e -> {
            assertThat(e.diagnosisValue().code()).isEqualTo("AZURETABLE_AUTH_FAILED");
            assertThat(e.getMessage()).doesNotContain(expired).doesNotContain("sig=");
          });
    }
  }

  private SinkConfig sasConfig(String sas) {
    return SinkConfig.builder("leads", "azuretable").put("endpoint", AZURITE.azurite().endpoint().toString())
        .secret("sasToken", Secret.of("?" + sas)).put("tableName", "SasLeads").put("maxRetries", "0").build();
  }
}
