package io.leadrouter.https;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;

import io.leadrouter.Lead;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.LeadSinkContract;
import io.leadrouter.testkit.ReceivedRequest;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared sink contract against a WireMock webhook receiver, the sink created from descriptor settings. */
class HttpsSinkContractTest extends LeadSinkContract {
  @RegisterExtension
  static final WebhookReceiverFake receiver = new WebhookReceiverFake();

  @Override
  protected LeadSink createSink() {
    return new HttpsSinkProvider().create(SinkConfig.builder("hooks", "https")
        .secret("url", Secret.of(receiver.url().toString()))
        .secret("signingSecret", Secret.of(WebhookReceiverFake.SECRET))
        .secret("secretHeaders.X-Api-Key", Secret.of(WebhookReceiverFake.API_KEY))
        .put("headers.X-Source", "leadrouter")
        .put("allowedHosts", "127.0.0.1")
        .put("allowHttpHosts", "127.0.0.1")
        .put("callTimeout", "5s")
        .build());
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return receiver.recordsFor(lead);
  }

  @Override
  protected void destinationFailsTransiently() {
    receiver.answer(aResponse().withStatus(503).withHeader("Retry-After", "30").withBody("overloaded"));
  }

  @Override
  protected void destinationRejectsPermanently() {
    receiver.answer(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":\"API key revoked\"}"));
  }

  @Override
  protected List<String> secretValues() {
    return List.of(WebhookReceiverFake.SECRET, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", WebhookReceiverFake.API_KEY,
        WebhookReceiverFake.URL_TOKEN);
  }

  @Override
  protected Optional<ReceivedRequest> received(ExplainedRequest explained) {
    return ReceivedRequest.lastLike(receiver.server, explained);
  }

  /**
   * {@code webhook-timestamp} is the time of sending, and the signature covers it: when the clock's second turned
   * between {@code explain} and the delivery (a flake seen under load), the received signature must be the one for
   * the received time, and everything else exactly as explained.
   */
  @Override
  protected void assertDeliveredAsExplained(Lead lead, ExplainedRequest explained) {
    ReceivedRequest got = received(explained).orElseThrow(() -> new AssertionError("nothing received"));
    String explainedTime = header(explained.headers(), WebhookSigner.TIMESTAMP_HEADER);
    String sentTime = header(got.headers(), WebhookSigner.TIMESTAMP_HEADER);
    if (!sentTime.equals(explainedTime)) {
      org.assertj.core.api.Assertions.assertThat(Long.parseLong(sentTime) - Long.parseLong(explainedTime))
          .as("seconds between explain and delivery").isBetween(1L, 30L);
      String id = header(got.headers(), WebhookSigner.ID_HEADER);
      org.assertj.core.api.Assertions.assertThat(header(got.headers(), WebhookSigner.SIGNATURE_HEADER))
          .isEqualTo(WebhookSigner.of(Secret.of(WebhookReceiverFake.SECRET)).sign(id, Long.parseLong(sentTime),
              got.body()));
      // the time as explained; the signature as received (checked above): the explained one is redacted, and a
      // received header reading "<redacted>" failed the check that a redacted header carries a real value
      List<ExplainedRequest.Header> asExplained = got.headers().stream().map(h ->
          h.name().equalsIgnoreCase(WebhookSigner.TIMESTAMP_HEADER)
              ? new ExplainedRequest.Header(h.name(), header(explained.headers(), h.name())) : h).toList();
      got = new ReceivedRequest(got.method(), got.url(), asExplained, got.body());
    }
    got.assertMatches(explained);
  }

  private static String header(List<ExplainedRequest.Header> headers, String name) {
    return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(ExplainedRequest.Header::value)
        .findFirst().orElseThrow(() -> new AssertionError("no " + name + " header"));
  }
}
