package io.leadrouter.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.testkit.FaultProxy;
import io.leadrouter.testkit.FaultProxy.Fault;
import io.leadrouter.testkit.LostAnswers;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Web-to-Lead cannot be asked whether a form it got created a Lead, and every form it gets creates one: an answer lost
 * after Salesforce took the form (dropped connection, cut body, timeout, a gateway's 502/504) must not be sent again,
 * by OkHttp behind the sink's back or by the router's retry. The lead is dead-lettered with
 * {@code SALESFORCE_WEB_TO_LEAD_OUTCOME_UNKNOWN} (kept, replayable once the operator has looked), never sent twice. A
 * 200 whose (empty) page is cut off still says Salesforce took the form: handed off, once.
 */
@Timeout(120)
class WebToLeadLostAnswerTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();

  @TempDir
  Path dir;

  private WebToLeadSink sink(FaultProxy proxy) {
    return sink(proxy, Duration.ofSeconds(1));
  }

  private WebToLeadSink sink(FaultProxy proxy, Duration timeout) {
    return WebToLeadSink.builder().orgId(FakeSalesforce.ORG_ID)
        .endpoint(URI.create(proxy.uri() + FakeSalesforce.WEB_TO_LEAD + "?encoding=UTF-8"))
        .leadIdField(FakeSalesforce.LEAD_ID_FORM_FIELD).timeout(timeout).build();
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void answerLostAfterSalesforceTookTheForm_isNotSentAgain_butDeadLetteredSayingSo(Fault fault) {
    try (FaultProxy proxy = FaultProxy.to(fake.url()).delay(Duration.ofSeconds(3))) {
      proxy.fail(FaultProxy.request("POST", FakeSalesforce.WEB_TO_LEAD), fault, 1);
      Lead lead = SampleLeads.azureMarketplaceInstall();

      LostAnswers.Settled settled = LostAnswers.route(sink(proxy), lead, dir, Duration.ofSeconds(60));

      assertThat(fake.webToLeadPosts(lead)).as("forms Salesforce got (each one a Lead): " + settled).isEqualTo(1);
      if (fault == Fault.CUT_MID_BODY) { // Salesforce's own 200 arrived before the cut: it took the form
        assertThat(settled.result().orElseThrow().outcome()).isEqualTo(io.leadrouter.spi.DeliveryOutcome.HANDED_OFF);
        return;
      }
      assertThat(settled.delivered()).as(settled.toString()).isFalse();
      assertThat(settled.deadLetter().orElseThrow().code()).isEqualTo(SalesforceErrors.WEB_TO_LEAD_OUTCOME_UNKNOWN);
      assertThat(settled.deadLetter().get().remediation()).contains("look for", lead.id().value(), "replay");
      assertThat(settled.deadLetter().get().message()).doesNotContain(lead.customer().email());
    }
  }

  /**
   * The connection OkHttp pooled after one form is cut by the peer after the next form went out: OkHttp's own
   * "retry on connection failure" would post that form again on a new connection, invisibly.
   */
  @Test
  void connectionDroppedAfterTheFormOnAPooledConnection_okHttpDoesNotPostItAgain() {
    try (FaultProxy proxy = FaultProxy.to(fake.url()); WebToLeadSink sink = sink(proxy, Duration.ofSeconds(20))) {
      Lead first = SampleLeads.azureMarketplaceInstall();
      Lead second = first.toBuilder().id(LeadId.of("second-" + first.id().value())).build();
      org.assertj.core.api.Assertions.assertThatCode(() -> sink.deliver(first)).doesNotThrowAnyException();
      proxy.fail(FaultProxy.request("POST", FakeSalesforce.WEB_TO_LEAD), Fault.DROP_BEFORE_RESPONSE, 1);

      Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> sink.deliver(second));

      assertThat(fake.webToLeadPosts(second)).as("forms Salesforce got for the second lead").isEqualTo(1);
      assertThat(thrown).isInstanceOf(io.leadrouter.spi.PermanentDeliveryException.class);
    }
  }
}
