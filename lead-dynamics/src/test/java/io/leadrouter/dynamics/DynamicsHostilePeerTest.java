package io.leadrouter.dynamics;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.testkit.ConnectionTrap;
import io.leadrouter.testkit.DrippingServer;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A token endpoint or Dataverse instance that drips its answer a byte at a time, each byte well within the read
 * timeout: the call still ends in bounded time (the token call within {@code timeout}, a Dataverse call within three
 * times it), transient, and the connection is closed, so no delivery thread waits forever.
 */
class DynamicsHostilePeerTest extends FakeDynamicsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);
  private static final Duration DRIP = Duration.ofMillis(100);

  @Test
  void deliver_tokenEndpointDrippingHeadersForever_failsTransientlyWithinTheTimeout() {
    try (DrippingServer entra = DrippingServer.headersForever(200, DRIP)) {
      assertEndsAndCloses(entra, () -> sink(fake.baseUrl(), entra.url()));
    }
  }

  @Test
  void deliver_tokenEndpointWithEndlessChunkedBody_failsTransientlyWithinTheTimeout() {
    try (DrippingServer entra = DrippingServer.bodyForever(200, "application/json", DRIP)) {
      assertEndsAndCloses(entra, () -> sink(fake.baseUrl(), entra.url()));
    }
  }

  @Test
  void deliver_instanceDrippingHeadersForever_failsTransientlyWithinThreeTimeouts() {
    fake.tokenForAnyScope(0); // the token is the fake's; the instance is hostile
    try (DrippingServer dataverse = DrippingServer.headersForever(204, DRIP)) {
      assertEndsAndCloses(dataverse, () -> sink(dataverse.url(), fake.baseUrl()));
    }
  }

  @Test
  void deliver_instanceWithEndlessChunkedErrorBody_failsTransientlyWithinThreeTimeouts() {
    fake.tokenForAnyScope(0);
    try (DrippingServer dataverse = DrippingServer.bodyForever(500, "application/json", DRIP)) {
      assertEndsAndCloses(dataverse, () -> sink(dataverse.url(), fake.baseUrl()));
    }
  }

  @Test
  void verify_instanceFloodingAnEndlessAnswer_readsABoundedAmountAndFailsTheStep() {
    fake.tokenForAnyScope(0);
    try (DrippingServer dataverse = DrippingServer.floodForever(200);
        DynamicsSink sink = DynamicsSink.builder().tenantId(FakeDynamics.TENANT).clientId(FakeDynamics.CLIENT)
            .clientSecret(Secret.of(FakeDynamics.SECRET)).instanceUrl(dataverse.url())
            .authorityHost(URI.create(fake.baseUrl())).timeout(Duration.ofSeconds(20)).build()) {
      VerificationReport report = assertTimeoutPreemptively(Duration.ofSeconds(60), sink::verify,
          "verify was still reading after 60 s");
      assertThat(report.failures()).extracting(VerificationReport.Step::name).containsExactly("whoami");
      assertThat(report.failures().get(0).diagnosis().orElseThrow().message()).contains("more than 16 MiB");
      // 16 MiB kept, plus what OkHttp discards for up to 100 ms on close and the kernel's socket buffers; unbounded,
      // the tree reader keeps every element for 60 s (3 x timeout), gigabytes, or until the heap runs out
      assertThat(dataverse.bytesSent()).as("bytes the client let the peer send").isLessThan(256L << 20);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"", "{}", "{\"@odata.context\":\"x\"}", "null"})
  void deliver_byEmail_lookupAnsweredWithNoQueryResult_failsTransientlyAndCreatesNothing(String body) {
    fake.addRow("megan.bowen@contoso.com", "Bowen");
    fake.wm.stubFor(get(urlPathEqualTo("/api/data/v9.2/leads")).atPriority(1)
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body)));
    try (DynamicsSink sink = fake.sink().match(Match.EMAIL).build()) {
      Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall().toBuilder()
          .email("megan.bowen@contoso.com").build()));
      assertThat(e).isInstanceOf(TransientDeliveryException.class);
      assertThat(fake.rows()).as("rows after the failed lookup").hasSize(1);
    }
  }

  @Test
  void deliver_tokenEndpointRedirectingWithTheSecretInLocationAndBody_isNotFollowedAndShowsNoSecret() {
    try (ConnectionTrap trap = ConnectionTrap.open(); DynamicsSink sink = fake.sink().build()) {
      String echo = "client_secret=" + FakeDynamics.SECRET;
      fake.tokenAnswers(aResponse().withStatus(302)
          .withHeader("Location", "http://127.0.0.1:" + trap.port() + "/steal?" + echo)
          .withHeader("WWW-Authenticate", "Bearer realm=\"" + FakeDynamics.SECRET + "\"")
          .withBody("moved: " + echo + " " + FakeDynamics.SECRET));
      Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
      assertThat(e).isInstanceOf(io.leadrouter.spi.DeliveryException.class);
      assertThat(e.toString()).doesNotContain(FakeDynamics.SECRET);
      assertThat(((io.leadrouter.spi.DeliveryException) e).diagnosis().map(Object::toString).orElse(""))
          .doesNotContain(FakeDynamics.SECRET);
      assertThat(trap.accepted(100)).as("requests that followed the redirect").isZero();
    }
  }

  /**
   * A redirect from the instance or the token endpoint (a moved org, a sign-in page, a proxy) is not followed, and the
   * diagnosis names the setting to correct and where it pointed (the host only: the rest of the location may echo the
   * request), never the column mapping or the credentials.
   */
  @ParameterizedTest
  @ValueSource(ints = {301, 302, 303, 307, 308})
  void deliver_instanceOrTokenEndpointRedirecting_namesTheSettingToCorrectAndTheHostOnly(int status) {
    try (ConnectionTrap trap = ConnectionTrap.open(); DynamicsSink sink = fake.sink().build()) {
      String location = "http://moved.example.net:" + trap.port() + "/api/data/v9.2/leads?email=jane.doe@contoso.com";
      fake.dataverseAnswers(aResponse().withStatus(status).withHeader("Location", location));
      Throwable data = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
      fake.reset();
      fake.tokenAnswers(aResponse().withStatus(status).withHeader("Location", location));
      Throwable token = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

      assertThat(data).isInstanceOf(io.leadrouter.spi.PermanentDeliveryException.class);
      io.leadrouter.spi.Diagnosis d = ((io.leadrouter.spi.DeliveryException) data).diagnosis().orElseThrow();
      assertThat(d.message()).contains(String.valueOf(status), "redirect", "moved.example.net")
          .doesNotContain("jane.doe", "email=");
      assertThat(d.remediation()).contains("instanceUrl").doesNotContain("mapping");
      assertThat(token).isInstanceOf(io.leadrouter.spi.PermanentDeliveryException.class);
      io.leadrouter.spi.Diagnosis t = ((io.leadrouter.spi.DeliveryException) token).diagnosis().orElseThrow();
      assertThat(t.message()).contains(String.valueOf(status), "redirect", "moved.example.net")
          .doesNotContain("jane.doe", "email=");
      assertThat(t.remediation()).contains("authorityHost");
      assertThat(trap.accepted(100)).as("requests that followed a redirect").isZero();
      assertThat(fake.rows()).isEmpty();
    }
  }

  private static void assertEndsAndCloses(DrippingServer peer, Supplier<DynamicsSink> sinks) {
    try (DynamicsSink sink = sinks.get()) {
      Throwable e = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall())),
          "the call was still running after 60 s: nothing bounds it");
      assertThat(e).isInstanceOf(TransientDeliveryException.class);
      assertThat(peer.accepted()).as("the hostile peer was reached").isPositive();
      assertThat(peer.awaitConnectionsClosed(Duration.ofSeconds(30)))
          .as("connections left open to the hostile peer").isZero();
    }
  }


  /** A sink with its Dataverse instance and Entra authority at the given loopback URLs. */
  private static DynamicsSink sink(String instance, String authority) {
    return DynamicsSink.builder().tenantId(FakeDynamics.TENANT).clientId(FakeDynamics.CLIENT)
        .clientSecret(Secret.of(FakeDynamics.SECRET)).instanceUrl(instance).authorityHost(URI.create(authority))
        .timeout(TIMEOUT).build();
  }
}
