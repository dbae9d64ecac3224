package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.testkit.FaultProxy;
import io.leadrouter.testkit.FaultProxy.Fault;
import io.leadrouter.testkit.LostAnswers;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The receiver's answer lost after it took the post (a {@link FaultProxy} between the sink and the receiver), then the
 * router's retries, then a replay by a new sink (a restarted process): every post of the lead carries the same
 * {@code webhook-id}, so a receiver deduping on it (Standard Webhooks' idempotency key) holds the lead once.
 */
@Timeout(120)
class HttpsLostAnswerTest {
  @RegisterExtension
  static final WebhookReceiverFake receiver = new WebhookReceiverFake();

  @TempDir
  Path dir;

  @ParameterizedTest
  @EnumSource(Fault.class)
  void answerLost_retriesAndAReplayCarryTheSameWebhookId(Fault fault) {
    try (FaultProxy proxy = FaultProxy.to(receiver.url()).delay(Duration.ofSeconds(3))) {
      proxy.fail(FaultProxy.request("POST", WebhookReceiverFake.PATH), fault, 1);
      URI through = URI.create(proxy.uri() + receiver.url().getRawPath() + "?" + receiver.url().getRawQuery());
      Lead lead = SampleLeads.azureMarketplaceInstall();

      LostAnswers.Settled settled = LostAnswers.route(receiver.sink().url(through)
          .callTimeout(Duration.ofSeconds(1)).build(), lead, dir.resolve("first"), Duration.ofSeconds(60));
      LostAnswers.Settled replayed = LostAnswers.route(receiver.sink().url(through).build(), lead,
          dir.resolve("restarted"), Duration.ofSeconds(60));

      assertThat(settled.delivered()).as(settled.toString()).isTrue();
      assertThat(replayed.delivered()).as(replayed.toString()).isTrue();
      List<String> ids = proxy.seen().stream().map(s -> s.header("webhook-id")).toList();
      assertThat(ids).as("posts of the lead: the lost one, its retry, the replay").hasSizeGreaterThanOrEqualTo(3)
          .containsOnly(WebhookSigner.messageId(lead.id()));
      assertThat(receiver.recordsFor(lead)).as("distinct signed webhook-ids acknowledged").isEqualTo(1);
    }
  }
}
