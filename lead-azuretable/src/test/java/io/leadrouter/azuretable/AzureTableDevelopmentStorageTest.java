package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.azure.data.tables.models.TableEntity;
import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.SampleLeads;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code UseDevelopmentStorage=true}, the connection string Azure's tools and samples give for the local emulator:
 * Azurite's well-known account at {@code 127.0.0.1:10002}. It was refused ("neither AccountName nor TableEndpoint").
 */
@Timeout(120)
class AzureTableDevelopmentStorageTest {
  private static final int DEFAULT_TABLE_PORT = 10002;

  @Test
  void useDevelopmentStorage_isAzuriteOnItsDefaultPort() {
    AzureTableAccount account = AzureTableAccount.connectionString(Secret.of("UseDevelopmentStorage=true"));

    assertThat(account.endpoint()).isEqualTo(URI.create("http://127.0.0.1:10002/devstoreaccount1"));
    assertThat(account.accountName()).isEqualTo("devstoreaccount1");
    assertThat(AzureTableAccount.connectionString(Secret.of(" usedevelopmentstorage = TRUE ;"
        + "DevelopmentStorageProxyUri=http://azurite")).endpoint())
        .as("the emulator in another container, as the SDK reads it")
        .isEqualTo(URI.create("http://azurite:10002/devstoreaccount1"));
  }

  @Test
  void useDevelopmentStorageOtherThanTrue_orABadProxy_isRefusedWithTheFix() {
    assertThatThrownBy(() -> AzureTableAccount.connectionString(Secret.of("UseDevelopmentStorage=false")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the connection string's UseDevelopmentStorage is 'false': only 'true' (Azurite on this machine)"
            + " means something; for a storage account remove it and copy the connection string from the account's"
            + " Access keys page");
    assertThatThrownBy(() -> AzureTableAccount.connectionString(Secret.of(
        "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=azurite")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the connection string's DevelopmentStorageProxyUri is not a URL");
  }

  @Test
  void useDevelopmentStorage_deliversToAzuriteOnPort10002() throws Exception {
    assumeTrue(free(DEFAULT_TABLE_PORT), "port 10002 of 127.0.0.1 is taken (an Azurite of the developer's?)");
    String table = Azurite.uniqueTable("DevStore");
    try (Azurite azurite = Azurite.start(DEFAULT_TABLE_PORT);
        AzureTableSink sink = AzureTableSink.builder()
            .account(AzureTableAccount.connectionString(Secret.of("UseDevelopmentStorage=true")))
            .tableName(table).createTableIfMissing(true).build()) {
      Lead lead = SampleLeads.azureMarketplaceInstall();

      DeliveryResult result = sink.deliver(lead);

      assertThat(result.recordId()).isPresent();
      TableEntity row = azurite.table(table).listEntities().stream().findFirst().orElseThrow();
      assertThat(row.getRowKey()).isEqualTo(lead.id().value());
    }
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
