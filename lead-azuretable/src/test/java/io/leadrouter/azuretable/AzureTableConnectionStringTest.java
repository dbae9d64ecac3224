package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.data.tables.sas.TableAccountSasPermission;
import com.azure.data.tables.sas.TableAccountSasResourceType;
import com.azure.data.tables.sas.TableAccountSasService;
import com.azure.data.tables.sas.TableAccountSasSignatureValues;
import com.azure.data.tables.TableServiceClientBuilder;
import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.SampleLeads;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connection strings and endpoints as people paste them, against a real Azurite: every form this library accepts
 * signs in and delivers (before, the Azure SDK read the string again, more strictly and differently), and a damaged
 * one is refused when the sink is built, naming the part and never showing it.
 */
class AzureTableConnectionStringTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  private final String table = Azurite.uniqueTable("Conn");

  private static String endpoint() {
    return AZURITE.azurite().endpoint().toString();
  }

  /** Delivers a fresh lead through a sink on {@code account} and checks the row is in the table. */
  private void assertDelivers(AzureTableAccount account) throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of(UUID.randomUUID().toString())).build();
    try (AzureTableSink sink = AzureTableSink.builder().account(account).tableName(table).createTableIfMissing(true)
        .build()) {
      assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    }
    assertThat(AZURITE.azurite().table(table).getEntity(MarketplaceCodec.partitionKey(lead.createdTime()),
        lead.id().value()).getProperty("RowKey")).isEqualTo(lead.id().value());
  }

  /**
   * Before: spaces around '=' or keys in another case were accepted here and refused by the SDK ("Invalid connection
   * string.", an IllegalArgumentException from build()); an endpoint ending in '/' (as the portal writes a SAS
   * connection string's endpoints) made every delivery AZURETABLE_REJECTED "HTTP 400: no error message".
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "DefaultEndpointsProtocol = http ; AccountName = devstoreaccount1 ; AccountKey = {key} ; TableEndpoint = {ep}",
      "defaultendpointsprotocol=http;accountname=devstoreaccount1;accountkey={key};tableendpoint={ep}",
      "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};TableEndpoint={ep}/;",
      "AccountName=devstoreaccount1;AccountKey={key};TableEndpoint={ep}//;EndpointSuffix=;;",
      "AccountKey={key};TableEndpoint={ep}/",
      "AccountName=devstoreaccount1;AccountKey={key};TableEndpoint={ep};AccountName=devstoreaccount1"})
  void connectionString_asPasted_signsInAndDelivers(String form) throws Exception {
    String cs = form.replace("{key}", Azurite.KEY).replace("{ep}", endpoint());

    assertDelivers(AzureTableAccount.connectionString(Secret.of(cs)));
  }

  @Test
  void endpointEndingInASlash_withSasKeyOrSasConnectionString_delivers() throws Exception {
    String sas = new TableServiceClientBuilder().endpoint(endpoint()).credential(Azurite.credential()).buildClient()
        .generateAccountSas(new TableAccountSasSignatureValues(OffsetDateTime.now().plusHours(1),
            TableAccountSasPermission.parse("rwdlacu"), TableAccountSasService.parse("t"),
            TableAccountSasResourceType.parse("sco")));

    assertDelivers(AzureTableAccount.sharedKey(java.net.URI.create(endpoint() + "/"), Azurite.credential()));
    assertDelivers(AzureTableAccount.sas(java.net.URI.create(endpoint() + "/"), Secret.of(sas)));
    // the portal's "Shared access signature" page: every service's endpoint with its '/', then the SAS
    assertDelivers(AzureTableAccount.connectionString(Secret.of("BlobEndpoint=http://127.0.0.1:1/devstoreaccount1/;"
        + "TableEndpoint=" + endpoint() + "/;SharedAccessSignature=" + sas)));
  }

  /**
   * The portal shows a SAS token and, next to it, the SAS URL; given the URL as sasToken, the SDK sent it whole as the
   * token: before, every delivery was AZURETABLE_AUTH_FAILED saying the signature was not valid.
   */
  @Test
  void sasTokenGivenAsThePortalsSasUrl_signsInWithItsQueryAndDelivers() throws Exception {
    String sas = AZURITE.azurite().table(table).generateSas(new com.azure.data.tables.sas.TableSasSignatureValues(
        OffsetDateTime.now().plusHours(1), com.azure.data.tables.sas.TableSasPermission.parse("raud")));
    AZURITE.azurite().table(table).createTable();

    assertDelivers(AzureTableAccount.sas(java.net.URI.create(endpoint()), Secret.of(endpoint() + "/" + table + "?"
        + sas)));
    assertThatThrownBy(() -> AzureTableAccount.sas(java.net.URI.create(endpoint()), Secret.of(endpoint() + "/")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("the SAS token is empty");
  }

  /** Before: the fix for a SAS connection string's expired SAS said to update sasToken, a setting not in use. */
  @Test
  void sasConnectionStringExpired_namesTheConnectionStringsSasAsWhatToUpdate() {
    OffsetDateTime expiry = OffsetDateTime.now().minusHours(1).withNano(0);
    String sas = AZURITE.azurite().table(table).generateSas(new com.azure.data.tables.sas.TableSasSignatureValues(
        expiry, com.azure.data.tables.sas.TableSasPermission.parse("raud")));
    AzureTableAccount account = AzureTableAccount.connectionString(Secret.of("TableEndpoint=" + endpoint()
        + "/;SharedAccessSignature=" + sas));
    try (AzureTableSink sink = AzureTableSink.builder().account(account).tableName(table).maxRetries(0).build()) {
      assertThatThrownBy(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()))
          .isInstanceOfSatisfying(io.leadrouter.spi.PermanentDeliveryException.class, e -> assertThat(
              e.diagnosisValue().remediation()).isEqualTo("the SAS token expired at " + expiry.toInstant()
              + " (its se=): issue a new SAS (sp=raud on table " + table + ") and update the SharedAccessSignature in"
              + " connectionString; then replay the dead letters"));
    }
  }

  /**
   * Before: an AccountKey that is not Base64 (cut or changed when copied) failed each request when the SDK signed it,
   * which read as "Azure Table service did not answer" (transient): the leads were retried for days and the fix was
   * never named.
   */
  @Test
  void accountKeyNotBase64_isRefusedWhenBuilt_namingAccountKey_neverShowingIt() {
    String key = "abc-" + Azurite.KEY.substring(4);
    String cs = "AccountName=devstoreaccount1;AccountKey=" + key + ";TableEndpoint=" + endpoint();

    assertThatThrownBy(() -> AzureTableAccount.connectionString(Secret.of(cs)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the connection string's AccountKey is not a storage account key (not Base64, 88 characters; a"
            + " key is 88): it was cut or changed when copied. Copy key1 or key2, or the whole connection string, from"
            + " the storage account's Access keys page")
        .message().doesNotContain(key);
    SinkConfig config = SinkConfig.builder("leads", "azuretable").secret("connectionString", Secret.of(cs))
        .build();
    assertThatThrownBy(() -> new AzureTableSinkProvider().create(config))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("sinks.leads.connectionString: the connection string's AccountKey is not a storage "
            + "account key")
        .message().doesNotContain(key);
  }

  /**
   * Before: a key given twice was read here as its first value (the endpoint checked and named) and by the SDK as its
   * last (the endpoint connected to); a part without '=' or an empty value made build() throw the SDK's bare "Invalid
   * connection string.".
   */
  @Test
  void keyTwiceWithTwoValues_orAPartWithoutEquals_isRefusedNamingIt() {
    String base = "AccountName=devstoreaccount1;AccountKey=" + Azurite.KEY + ";TableEndpoint=" + endpoint();

    assertThatThrownBy(() -> AzureTableAccount.connectionString(Secret.of(base + ";tableendpoint=http://10.0.0.1/x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the connection string gives tableendpoint twice, with two values: keep the one meant (copy the "
            + "connection string again from the storage account's Access keys page)");
    String keyAlone = Azurite.KEY.substring(0, 40); // a piece of the key pasted on its own
    assertThatThrownBy(() -> AzureTableAccount.connectionString(Secret.of(base + ";" + keyAlone)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the connection string's part 4 is not 'Name=value': copy the connection string again, whole, "
            + "from the storage account's Access keys page")
        .message().doesNotContain(keyAlone);
    // the key pasted alone twice, once with a stray character: its '=' padding makes it read as a name, never shown
    String piece = Azurite.KEY + "A";
    assertThatThrownBy(() -> AzureTableAccount.connectionString(Secret.of(base + ";" + Azurite.KEY + ";" + piece)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the connection string gives part 5's name twice, with two values: keep the one meant (copy the "
            + "connection string again from the storage account's Access keys page)")
        .message().doesNotContain(Azurite.KEY.substring(0, 20));
  }

  /**
   * Before: with an AccountKey, no AccountName and a custom TableEndpoint (a CNAME, a proxy, a private DNS name), the
   * account name was guessed from the host's first label ('leads' of leads.contoso.com), the key signed for that name
   * and every request failed AZURETABLE_AUTH_FAILED saying the key was not current: the key was right, the name wrong.
   */
  @ParameterizedTest
  @ValueSource(strings = {"https://leads.contoso.com", "https://devstoreaccount1.contoso.com",
      "https://acct.table.core.windows.net.contoso.com", "http://10.1.2.3:10002", "http://127.0.0.1:10002/a/b",
      "https://acct.blob.core.windows.net"})
  void accountKeyWithoutAccountName_endpointNotNamingTheAccount_isRefusedNamingAccountName(String tableEndpoint) {
    String cs = "DefaultEndpointsProtocol=https;AccountKey=" + Azurite.KEY + ";TableEndpoint=" + tableEndpoint;

    assertThatThrownBy(() -> AzureTableAccount.connectionString(Secret.of(cs)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the connection string has an AccountKey but no AccountName, and its TableEndpoint (host "
            + java.net.URI.create(tableEndpoint).getHost() + ") does not say which account the key is of: add "
            + "AccountName=<the storage account's name>, or copy the whole connection string from the storage "
            + "account's Access keys page")
        .message().doesNotContain(Azurite.KEY);
    SinkConfig config = SinkConfig.builder("leads", "azuretable").secret("connectionString", Secret.of(cs)).build();
    assertThatThrownBy(() -> new AzureTableSinkProvider().create(config))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("sinks.leads.connectionString: the connection string has an AccountKey but no "
            + "AccountName");
    // the fix it names
    assertThat(AzureTableAccount.connectionString(Secret.of(cs + ";AccountName=contosoleads")).accountName())
        .isEqualTo("contosoleads");
  }

  /** The endpoint forms that do name the account: the service's own host names, and Azurite's path style. */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(textBlock = """
      https://contosoleads.table.core.windows.net,              contosoleads
      https://ContosoLeads.table.core.windows.net/,             contosoleads
      https://contosoleads.privatelink.table.core.windows.net,  contosoleads
      https://contosoleads.table.core.chinacloudapi.cn,         contosoleads
      https://contosoleads.table.core.usgovcloudapi.net,        contosoleads
      http://localhost:10002/devstoreaccount1,                  devstoreaccount1
      """)
  void accountKeyWithoutAccountName_endpointNamingTheAccount_takesItsName(String tableEndpoint, String account) {
    String cs = "AccountKey=" + Azurite.KEY + ";TableEndpoint=" + tableEndpoint;

    assertThat(AzureTableAccount.connectionString(Secret.of(cs)).accountName()).isEqualTo(account);
  }

  /** Azurite's path style names its account: a key without AccountName signs for it, and the lead is delivered. */
  @Test
  void accountKeyWithoutAccountName_azuritePathStyleEndpoint_signsInAndDelivers() throws Exception {
    assertDelivers(AzureTableAccount.connectionString(Secret.of("DefaultEndpointsProtocol=http;AccountKey="
        + Azurite.KEY + ";TableEndpoint=" + endpoint())));
  }
}
