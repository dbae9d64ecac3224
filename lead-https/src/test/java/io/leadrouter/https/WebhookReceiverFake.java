package io.leadrouter.https;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.LoggedResponse;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.leadrouter.Lead;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.WireMockFake;
import java.io.IOException;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A webhook receiver as users write them for the marketplace's HTTPS destination (any 2xx is success; DOMAIN.md,
 * "HTTPS endpoint (webhook)", and https://learn.microsoft.com/partner-center/marketplace-offers/partner-center-portal/commercial-marketplace-lead-management-instructions-https)
 * that also checks an API key and answers as a Standard Webhooks consumer would
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md): 204 when accepted,
 * 401 without the key, 503 with {@code Retry-After} when overloaded. Register it as a static
 * {@code @RegisterExtension} field (a {@link WireMockFake}: started once per class, reset before each test). What it
 * "holds" is read from WireMock's request journal: the distinct {@code webhook-id}s of correctly signed,
 * acknowledged posts per lead.
 */
final class WebhookReceiverFake extends WireMockFake {
  static final String PATH = "/hooks/leads";
  static final String URL_TOKEN = "url-token-5f3a9c";
  static final String API_KEY = "api-key-8d1e77";
  /** The signing secret of Standard Webhooks' published test vector (see WebhookVectorsTest). */
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  private static final ObjectMapper JSON = new ObjectMapper();
  final WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
  private final WebhookVerifier verifier = WebhookVerifier.builder().secret(Secret.of(SECRET))
      .tolerance(java.time.Duration.ofDays(3650)).build(); // tests fix the sink's clock; freshness is tested apart

  @Override
  protected WireMockServer server() {
    return server;
  }

  /** Forgets every request and answers healthily again (before each test). */
  @Override
  public void reset() {
    server.resetAll();
    server.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json").withBody("{\"error\":\"no such endpoint\"}")));
    server.stubFor(post(urlPathEqualTo(PATH)).atPriority(5).willReturn(aResponse().withStatus(401)
        .withHeader("Content-Type", "application/json").withBody("{\"error\":\"missing or invalid API key\"}")));
    server.stubFor(post(urlPathEqualTo(PATH)).atPriority(4).withHeader("X-Api-Key", equalTo(API_KEY))
        .willReturn(aResponse().withStatus(204)));
  }

  /** From now on every post answers {@code response}. */
  void answer(ResponseDefinitionBuilder response) {
    server.stubFor(any(anyUrl()).atPriority(1).willReturn(response));
  }

  /** The receiver's URL, with its query token (a secret, as marketplace receivers often carry one). */
  URI url() {
    return URI.create("http://127.0.0.1:" + server.port() + PATH + "?token=" + URL_TOKEN);
  }

  /** A sink builder for this receiver: loopback allow-listed, plain http allowed to it, key and secret set. */
  HttpsSink.Builder sink() {
    return HttpsSink.builder(url()).signingSecret(Secret.of(SECRET)).secretHeader("X-Api-Key", Secret.of(API_KEY))
        .allowHost("127.0.0.1").allowHttpHost("127.0.0.1");
  }

  /** Distinct {@code webhook-id}s of signed, 2xx-acknowledged posts whose body is this lead. */
  int recordsFor(Lead lead) {
    Set<String> ids = new HashSet<>();
    for (ServeEvent e : server.getAllServeEvents()) {
      LoggedResponse r = e.getResponse();
      if (r.getStatus() < 200 || r.getStatus() > 299) {
        continue;
      }
      byte[] body = e.getRequest().getBody();
      JsonNode leadId;
      try {
        leadId = JSON.readTree(body).get("LeadId");
      } catch (IOException ex) {
        continue;
      }
      if (leadId == null || !leadId.asText().equals(lead.id().value())) {
        continue;
      }
      String id = e.getRequest().getHeader("webhook-id");
      verifier.verify(id, e.getRequest().getHeader("webhook-timestamp"),
          e.getRequest().getHeader("webhook-signature"), body); // throws if the post was not signed correctly
      ids.add(id);
    }
    return ids.size();
  }

  /** Every request received, oldest first. */
  List<ServeEvent> requests() {
    List<ServeEvent> all = new java.util.ArrayList<>(server.getAllServeEvents());
    java.util.Collections.reverse(all);
    return all;
  }

  /** The headers of the only request received. */
  Map<String, List<String>> onlyRequestHeaders() {
    List<ServeEvent> all = requests();
    if (all.size() != 1) {
      throw new AssertionError("expected exactly one request, got " + all.size());
    }
    Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
    all.get(0).getRequest().getHeaders().all().forEach(h -> headers.put(h.key(), h.values()));
    return headers;
  }
}
