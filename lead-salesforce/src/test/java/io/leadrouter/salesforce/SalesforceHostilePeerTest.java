package io.leadrouter.salesforce;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A lookup whose answer is a 200 that is not a query answer (its body cut off by a reset, empty, or JSON without
 * {@code records}): the delivery fails transiently and creates nothing, since "no matching Lead" cannot be told from
 * it; the Lead that exists is found at the retry instead of being duplicated.
 */
class SalesforceHostilePeerTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();

  static Stream<Arguments> brokenQueryAnswers() {
    return Stream.of(
        Arguments.of("200, then garbage and a closed connection", aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)),
        Arguments.of("200 with an empty body", aResponse().withStatus(200)),
        Arguments.of("200 with JSON but no records", okJson("{\"totalSize\":1,\"done\":true}")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenQueryAnswers")
  void deliver_byEmail_lookupAnswerThatIsNoQueryAnswer_failsTransientlyAndCreatesNothing(String what,
      ResponseDefinitionBuilder answer) throws Exception {
    String existing = fake.addLead("megan.bowen@contoso.com", "Bowen", false);
    SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL));
    fake.server.stubFor(get(urlPathEqualTo(FakeSalesforce.API + "/query")).atPriority(1).willReturn(answer));

    Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall().toBuilder()
        .email("megan.bowen@contoso.com").build()));

    assertThat(e).as(what).isInstanceOf(TransientDeliveryException.class);
    assertThat(fake.leads()).as("Leads after the failed lookup").singleElement()
        .satisfies(l -> assertThat(l.path("Id").asText()).isEqualTo(existing));
  }
}
