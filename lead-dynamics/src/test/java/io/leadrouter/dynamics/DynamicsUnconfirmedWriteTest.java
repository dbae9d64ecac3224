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
 * answers again it ends in exactly one row.
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
}
