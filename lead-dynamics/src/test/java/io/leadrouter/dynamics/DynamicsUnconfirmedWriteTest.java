package io.leadrouter.dynamics;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A write answered with a 2xx that is not Dataverse's (a proxy's or captive portal's HTML page, a 202, an empty 200):
 * Dataverse answers a create or upsert with 204 (200/201 with the row only when asked to return it), so such an
 * answer confirms nothing. The lead is retried, never counted delivered nor dead-lettered, and once the instance
 * answers again it ends in exactly one row. A create ({@code POST leads}) answered 204 must name the created row in
 * {@code OData-EntityId} (Dataverse's documented create answer); a {@code PATCH} may answer a bare 204 (an update's
 * documented answer).
 */
class DynamicsUnconfirmedWriteTest extends FakeDynamicsTest {

  static Stream<Arguments> answers() {
    ResponseDefinitionBuilder html = aResponse().withStatus(200).withHeader("Content-Type", "text/html")
        .withBody("<!DOCTYPE html><html><body>Sign in to the guest network</body></html>");
    return Stream.of(null, "new_leadrouterid").flatMap(idColumn -> Stream.of(
        Arguments.of(idColumn, "200 with a proxy's HTML page", html),
        Arguments.of(idColumn, "202 with no body", aResponse().withStatus(202)),
        Arguments.of(idColumn, "200 with no body", aResponse().withStatus(200)),
        Arguments.of(idColumn, "200 with an empty JSON object", json(200, "{}")),
        Arguments.of(idColumn, "201 with a gateway's JSON", json(201, "{\"status\":\"queued\"}")),
        Arguments.of(idColumn, "200 with an OData error", json(200, "{\"error\":{\"code\":\"0x80040216\","
            + "\"message\":\"An unexpected error occurred.\"}}")),
        Arguments.of(idColumn, "200 with a JSON array", json(200, "[]")),
        Arguments.of(idColumn, "200 with JSON cut short", json(200, "{\"leadid\":"))));
  }

  private static ResponseDefinitionBuilder json(int status, String body) {
    return aResponse().withStatus(status).withHeader("Content-Type", "application/json; odata.metadata=minimal")
        .withBody(body);
  }

  @ParameterizedTest(name = "idColumn {0}: {1}")
  @MethodSource("answers")
  void deliver_writeAnsweredWithA2xxThatConfirmsNothing_isRetriedThenDeliveredOnce(String idColumn, String what,
      ResponseDefinitionBuilder answer) throws Exception {
    DynamicsSink.Builder b = fake.sink();
    if (idColumn != null) {
      fake.alternateKey(idColumn);
      b.idColumn(idColumn);
    }
    DynamicsSink sink = b.build();
    Lead lead = SampleLeads.azureMarketplaceInstall();
    List<StubMapping> proxy = List.of(
        fake.wm.stubFor(post(urlPathMatching("/api/data/v9\\.2/leads.*")).atPriority(1).willReturn(answer)),
        fake.wm.stubFor(patch(urlPathMatching("/api/data/v9\\.2/leads.*")).atPriority(1).willReturn(answer)));

    Throwable first = catchThrowable(() -> sink.deliver(lead));
    proxy.forEach(fake.wm::removeStub);

    assertThat(first).as(what).isInstanceOf(TransientDeliveryException.class)
        .hasMessageContaining("not counted as delivered");
    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.rowsFor(lead)).isEqualTo(1);
    sink.close();
  }

  static Stream<Arguments> bareCreateAnswers() {
    return Stream.of(false, true).flatMap(byEmail -> Stream.of(
        Arguments.of(byEmail, "204 without OData-EntityId",
            aResponse().withStatus(204).withHeader("OData-Version", "4.0")),
        Arguments.of(byEmail, "204 whose OData-EntityId names no row",
            aResponse().withStatus(204).withHeader("OData-Version", "4.0").withHeader("OData-EntityId", "ok"))));
  }

  @ParameterizedTest(name = "match email {0}: {1}")
  @MethodSource("bareCreateAnswers")
  void deliver_createAnsweredWith204ThatNamesNoRow_isRetriedThenDeliveredOnce(boolean byEmail, String what,
      ResponseDefinitionBuilder answer) throws Exception {
    DynamicsSink.Builder b = fake.sink();
    if (byEmail) {
      b.match(Match.EMAIL);
    }
    DynamicsSink sink = b.build();
    Lead lead = SampleLeads.azureMarketplaceInstall();
    StubMapping proxy = fake.wm.stubFor(post(urlPathMatching("/api/data/v9\\.2/leads.*")).atPriority(1)
        .willReturn(answer));

    Throwable first = catchThrowable(() -> sink.deliver(lead));
    fake.wm.removeStub(proxy);

    assertThat(first).as(what).isInstanceOf(TransientDeliveryException.class)
        .hasMessageContaining("POST /api/data/v9.2/leads with HTTP 204 without the created row's OData-EntityId")
        .hasMessageContaining("not counted as delivered");
    assertThat(fake.rowsFor(lead)).isZero();
    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.rowsFor(lead)).isEqualTo(1);
    sink.close();
  }

  @org.junit.jupiter.api.Test
  void deliver_upsertByKeyAnsweredWithABare204_isDelivered() throws Exception {
    // a PATCH is Dataverse's update (and by key, upsert): its documented answer is a 204 that need not name the row
    fake.alternateKey("new_leadrouterid");
    DynamicsSink sink = fake.sink().idColumn("new_leadrouterid").build();
    fake.wm.stubFor(patch(urlPathMatching("/api/data/v9\\.2/leads.*")).atPriority(1)
        .willReturn(aResponse().withStatus(204).withHeader("OData-Version", "4.0")));

    assertThat(sink.deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    sink.close();
  }
}
