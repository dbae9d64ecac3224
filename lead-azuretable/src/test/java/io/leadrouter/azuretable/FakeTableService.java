package io.leadrouter.azuretable;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.leadrouter.spi.Secret;
import java.net.URI;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fake Table service (WireMock on 127.0.0.1, a fresh one per test) for the answers Azurite cannot give, at account
 * {@code acct}; stub it in the service's own forms. Register as an instance {@code @RegisterExtension} field.
 */
final class FakeTableService implements BeforeEachCallback, AfterEachCallback {
  /** The content type of the service's answer to a query (JSON, minimal metadata). */
  static final String QUERY_CONTENT_TYPE = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8";
  private WireMockServer server;

  @Override
  public void beforeEach(ExtensionContext context) {
    server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    server.stop();
  }

  /** The running fake, to stub and verify. */
  WireMockServer server() {
    return server;
  }

  /** Its account, signed in with a SAS the fake does not check. */
  AzureTableAccount account() {
    return AzureTableAccount.sas(URI.create("http://127.0.0.1:" + server.port() + "/acct"), Secret.of("sig=x"));
  }
}
