package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Secret;
import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The account name messages show: from the host of a service endpoint, from the path of a path-style one. */
class AzureTableAccountTest {
  /** {@code LOCALHOST} (any spelling naming this machine but the exact one) showed "localhost" as the account. */
  @ParameterizedTest
  @CsvSource(textBlock = """
      https://acct.table.core.windows.net,          acct
      https://Acct.table.core.windows.net/,         acct
      http://127.0.0.1:10002/devstoreaccount1,      devstoreaccount1
      http://10.1.2.3:10002/acct2,                  acct2
      http://localhost:10002/devstoreaccount1,      devstoreaccount1
      http://LOCALHOST:10002/devstoreaccount1,      devstoreaccount1
      http://localhost.:10002/devstoreaccount1/,    devstoreaccount1
      'http://[::1]:10002/devstoreaccount1',        devstoreaccount1
      """)
  void accountName_hostOrPathStyleEndpoint_namesTheAccount(String endpoint, String account) {
    URI uri = URI.create(endpoint);

    assertThat(AzureTableAccount.sas(uri, Secret.of("sv=2019-02-02&sig=x")).accountName()).isEqualTo(account);
    assertThat(AzureTableAccount.connectionString(Secret.of("TableEndpoint=" + endpoint
        + ";SharedAccessSignature=sv=2019-02-02&sig=x")).accountName()).isEqualTo(account);
  }
}
