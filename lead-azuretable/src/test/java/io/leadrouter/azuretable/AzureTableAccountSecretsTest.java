package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Scrubber;
import io.leadrouter.spi.Secret;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * The parts of an account's credential are secrets of their own: a service or proxy that quotes only the account key,
 * the SAS or its signature (raw or URL-decoded) has it removed, and the account's {@code toString()} shows none.
 */
class AzureTableAccountSecretsTest {
  private static final String KEY = "QWNjb3VudEtleU9mVGVzdHM0MnRoYXRJc0xvbmc=";
  private static final String SAS = "sv=2019-02-02&se=2099-01-01T00%3A00%3A00Z&sp=raud&tn=leads"
      + "&sig=tAbLe%2BSignature%2FOfTests%3D";

  @Test
  void connectionString_accountKeyAndSasQuotedAlone_areScrubbed() {
    AzureTableAccount byKey = AzureTableAccount.connectionString(Secret.of("DefaultEndpointsProtocol=https;"
        + "AccountName=acct;AccountKey=" + KEY + ";EndpointSuffix=core.windows.net"));
    AzureTableAccount bySas = AzureTableAccount.connectionString(Secret.of("TableEndpoint=https://acct.table.core"
        + ".windows.net;SharedAccessSignature=" + SAS));

    String echoed = Scrubber.standard().scrub("your key was " + KEY + "; the signature tAbLe+Signature/OfTests= "
        + "(sent as tAbLe%2BSignature%2FOfTests%3D) did not match");

    assertThat(echoed).doesNotContain("QWNjb3VudEtleU9m", "tAbLe").contains("[redacted]");
    assertThat(byKey + " " + bySas).doesNotContain(KEY, "tAbLe");
  }

  @Test
  void sasToken_signatureQuotedAlone_isScrubbed() {
    AzureTableAccount account = AzureTableAccount.sas(URI.create("https://acct.table.core.windows.net"),
        Secret.of("?" + SAS));

    String echoed = Scrubber.standard().scrub("Signature tAbLe+Signature/OfTests= is not valid");

    assertThat(echoed).isEqualTo("Signature [redacted] is not valid");
    assertThat(account.toString()).doesNotContain("tAbLe");
  }
}
