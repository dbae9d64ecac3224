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
}
