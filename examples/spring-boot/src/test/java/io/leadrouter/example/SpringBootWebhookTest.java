package io.leadrouter.example;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.Lead;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.https.WebhookSigner;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole way through this example, the starter's auto-configuration and a real sink: a lead POSTed to the
 * example's {@code /leads} is routed by the auto-configured router and delivered by the https sink (configured here in
 * place of the example's file sink) to a WireMock receiver on 127.0.0.1; Actuator's health shows the destination.
 */
@SpringBootTest(classes = LeadIntakeApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "leadrouter.journal.type=memory",
        "leadrouter.sinks.hooks.type=https",
        "leadrouter.sinks.hooks.signingSecret=${HOOK_SECRET}",
        "leadrouter.sinks.hooks.allowHttpHosts=127.0.0.1",
        "leadrouter.sinks.hooks.allowedHosts=127.0.0.1",
        "leadrouter.sinks.hooks.delivery.initialBackoff=100ms",
        "leadrouter.default=hooks",
        "management.endpoints.web.exposure.include=health",
        "management.endpoint.health.show-details=always"})
class SpringBootWebhookTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final WireMockServer RECEIVER = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static {
    RECEIVER.start();
  }

  @LocalServerPort int port;

  @DynamicPropertySource
  static void receiver(DynamicPropertyRegistry registry) {
    registry.add("leadrouter.sinks.hooks.url", () -> "http://127.0.0.1:" + RECEIVER.port() + "/hooks/leads");
    registry.add("HOOK_SECRET", () -> "whsec_" + Base64.getEncoder().encodeToString(new byte[32]));
    registry.add("leadrouter.journal.type", () -> "sqlite");
    Path dir = tempDir();
    registry.add("leadrouter.journal.path", () -> dir.resolve("leadrouter.db").toString());
    registry.add("leadrouter.sinks.local.path", () -> dir.resolve("leads.ndjson").toString()); // the example's own
  }

  private static Path tempDir() {
    try {
      return java.nio.file.Files.createTempDirectory("leadrouter-spring");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stop() {
    RECEIVER.stop();
  }

  @Test
  void leadPostedToTheApp_isDeliveredToTheWebhook_andHealthShowsTheDestination() throws Exception {
    RECEIVER.resetAll();
    RECEIVER.stubFor(post(urlEqualTo("/hooks/leads")).willReturn(aResponse().withStatus(204)));
    Lead lead = SampleLeads.azureMarketplaceInstall();

    HttpResponse<String> accepted = postLead(lead);
    assertThat(accepted.statusCode()).isEqualTo(202);
    assertThat(accepted.body()).isEqualTo(lead.id().toString());

    List<LoggedRequest> posts = await(() -> RECEIVER.findAll(postRequestedFor(urlEqualTo("/hooks/leads"))
        .withHeader("webhook-id", equalTo(WebhookSigner.messageId(lead.id())))));
    assertThat(posts).hasSize(1);
    assertThat(posts.get(0).getBodyAsString()).contains(lead.id().toString());

    // the delivered event reaches the health indicator just after the journal records the delivery
    HttpResponse<String> health = await(() -> {
      HttpResponse<String> h = get("/actuator/health/leadrouter");
      return h.body().contains("lastOutcome") ? List.of(h) : List.<HttpResponse<String>>of();
    }).get(0);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"hooks\"").contains("\"status\":\"UP\"")
        .contains("\"lastOutcome\":\"delivered\"");
  }

  @Test
  void receiverRefusesTheSignature_healthIsDownWithTheDiagnosisCode() throws Exception {
    RECEIVER.resetAll();
    RECEIVER.stubFor(post(urlEqualTo("/hooks/leads")).willReturn(aResponse().withStatus(401)));
    Lead lead = SampleLeads.appSourceCreate();
    assertThat(postLead(lead).statusCode()).isEqualTo(202);

    HttpResponse<String> health = await(() -> {
      HttpResponse<String> h = get("/actuator/health/leadrouter/hooks");
      return h.body().contains("DOWN") ? List.of(h) : List.<HttpResponse<String>>of();
    }).get(0);
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).contains("\"diagnosis\":\"HTTPS_UNAUTHORIZED\"");
    RECEIVER.resetAll();
  }

  private HttpResponse<String> postLead(Lead lead) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/leads"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(MarketplaceCodec.standard().toJson(lead))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Polls until {@code what} returns a non-empty list, for at most {@link #WAIT}. */
  private static <T> List<T> await(Supplier<List<T>> what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<T> found = what.get();
    while (found.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(25);
      found = what.get();
    }
    assertThat(found).as("within " + WAIT).isNotEmpty();
    return found;
  }
}
