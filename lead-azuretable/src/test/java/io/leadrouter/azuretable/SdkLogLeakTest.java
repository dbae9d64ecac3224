package io.leadrouter.azuretable;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Azure SDK logs through SLF4J by itself (its {@code ClientLogger} writes a service exception's message, which
 * quotes the service's error body, at WARN/ERROR, and more at DEBUG), outside LeadRouter's scrubbing. A Table endpoint
 * on 127.0.0.1 answers every request with an error whose body and headers echo the SAS signature (as sent and
 * decoded), an account key and the customer's e-mail and phone; a second JVM (so that every logger, {@code com.azure}
 * included, starts at the level under test, with slf4j-simple as the real backend,
 * and the SDK's own {@code AZURE_HTTP_LOG_DETAIL_LEVEL} asking for bodies and headers) delivers a lead through the
 * sink and prints the failure's stack trace as a caller would. None of it may show in anything that JVM writes.
 */
class SdkLogLeakTest {
  static final String SIGNATURE = "c2lnLWVjaG9lZC1ieS10aGUtc2VydmljZS0xMjM0NQ==";
  static final String SAS = "sv=2019-02-02&se=2099-01-01T00%3A00%3A00Z&sp=raud&tn=leads&sig="
      + SIGNATURE.replace("=", "%3D");
  static final String ACCOUNT_KEY = "QWNjb3VudEtleUVjaG9lZEJ5VGhlU2VydmljZTk4NzY1NDMyMQ==";
  private static WireMockServer fake;

  @BeforeAll
  static void start() {
    fake = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    fake.start();
    String email = SampleLeads.azureMarketplaceInstall().customer().email();
    String phone = SampleLeads.azureMarketplaceInstall().customer().phone();
    String echo = "Signature " + SIGNATURE + " (sig=" + SAS + ") is not the HMAC of the key " + ACCOUNT_KEY
        + " for row of " + email + " / " + phone;
    fake.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(403)
        .withHeader("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
        .withHeader("x-ms-error-code", "AuthenticationFailed")
        .withHeader("WWW-Authenticate", "SharedKey " + ACCOUNT_KEY)
        .withHeader("x-echo", email + " " + SIGNATURE)
        .withBody("{\"odata.error\":{\"code\":\"AuthenticationFailed\",\"message\":{\"lang\":\"en-US\",\"value\":\""
            + echo + "\\nRequestId:4b4b7f07-0002-0025-1e5a-1d8f7e000000\\nTime:2026-11-25T10:15:31Z\"}}}")));
  }

  @AfterAll
  static void stop() {
    fake.stop();
  }

  @ParameterizedTest
  @ValueSource(strings = {"warn", "debug", "trace"})
  void sdkLogsAndTheCallersStackTrace_showNoCredentialAndNoCustomerData(String level) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder b = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=" + level, "-Dorg.slf4j.simpleLogger.log.com.azure=" + level,
        // the Netty client's own wire logs print request URLs at DEBUG: outside any scrubbing, documented, kept at WARN
        "-Dorg.slf4j.simpleLogger.log.reactor=warn", "-Dorg.slf4j.simpleLogger.log.io.netty=warn",
        DeliverMain.class.getName(), "http://127.0.0.1:" + fake.port() + "/acct").redirectErrorStream(true);
    b.environment().put("AZURE_HTTP_LOG_DETAIL_LEVEL", "body_and_headers");
    b.environment().put("AZURE_LOG_LEVEL", "verbose");
    Process p = b.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the second JVM finished").isTrue();
    String text = new String(out, StandardCharsets.UTF_8);

    assertThat(text).as("the delivery reached the fake and failed").contains("delivery failed", "AuthenticationFailed");
    String email = SampleLeads.azureMarketplaceInstall().customer().email();
    for (String leak : List.of(SIGNATURE, SIGNATURE.substring(0, 20), SAS.substring(SAS.indexOf("sig=")),
        URLDecoder.decode(SIGNATURE, StandardCharsets.UTF_8), ACCOUNT_KEY.substring(0, 20), email,
        "425 555 0100")) {
      assertThat(text).as("level " + level + " shows " + leak).doesNotContain(leak);
    }
  }

  /** The second JVM: delivers one lead through a sink whose account is that endpoint with the SAS. */
  public static final class DeliverMain {
    /** The account key of another sink of the same application: a live secret the service might quote. */
    static final Secret OTHER_ACCOUNTS_KEY = Secret.of(ACCOUNT_KEY);

    public static void main(String[] args) {
      try (AzureTableSink sink = AzureTableSink.builder()
          .account(AzureTableAccount.sas(URI.create(args[0]), Secret.of(SAS)))
          .tableName("MarketplaceLeads").maxRetries(1).retryDelay(Duration.ofMillis(10))
          .requestTimeout(Duration.ofSeconds(20)).connectTimeout(Duration.ofSeconds(5)).build()) {
        sink.deliver(SampleLeads.azureMarketplaceInstall());
        System.out.println("delivered?!");
      } catch (Exception e) {
        System.out.println("delivery failed:");
        e.printStackTrace(System.out);
      }
    }
  }
}
