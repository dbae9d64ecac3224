package io.leadrouter.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replay} on the real jar and dead letters whose destination may already hold the lead: Web-to-Lead forms whose
 * answer was lost after they went out (the fake takes each form, then drops the connection). A plain {@code replay}
 * after another destination's fix replays that destination's dead letters only, leaves those alone and says so; they
 * go again only when {@code --code} names them. Replaying the same dead letters twice moves nothing the second time.
 */
class ReplayOutcomeUnknownIT {
  private static final String WEB_TO_LEAD = "/servlet/servlet.WebToLead";
  private static final String CODE = "SALESFORCE_WEB_TO_LEAD_OUTCOME_UNKNOWN";

  @TempDir
  Path dir;

  private final WireMockServer salesforce = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1")
      .dynamicPort());

  @AfterEach
  void stop() {
    salesforce.stop();
  }

  private int forms() {
    return salesforce.countRequestsMatching(postRequestedFor(urlPathEqualTo(WEB_TO_LEAD)).build()).getCount();
  }

  @Test
  void replay_leavesLostAnswerDeadLettersAloneUnlessNamed_andTwiceMovesNothing() throws Exception {
    salesforce.start();
    salesforce.stubFor(post(urlPathEqualTo(WEB_TO_LEAD)).willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));
    Files.copy(Jar.examples().resolve("leads.ndjson"), dir.resolve("leads.ndjson"));
    Files.createDirectories(dir.resolve("out/leads.ndjson")); // the file sink fails until the fix
    String d = Jar.fileDescriptor(dir, "out/leads.ndjson", """
          w2l:
            type: salesforce-web2lead
            orgId: 00D5e000000AbCdEAK
            endpoint: http://127.0.0.1:%d%s?encoding=UTF-8
            leadIdField: 00N5e00000LeadId
            timeout: 5s
        """.formatted(salesforce.port(), WEB_TO_LEAD), "local, w2l").toString();

    Jar.Result routed = Jar.run(dir, "route", "leads.ndjson", "-d", d, "--wait", "30s");
    assertThat(routed.out()).as(routed.all()).contains("  w2l: 0 delivered, 0 retrying, 8 dead-lettered")
        .contains(CODE);
    assertThat(forms()).as("each form sent once, none again after its answer was lost").isEqualTo(8);

    Files.delete(dir.resolve("out/leads.ndjson")); // the file sink's fix
    salesforce.resetAll();
    salesforce.stubFor(post(urlPathEqualTo(WEB_TO_LEAD)).willReturn(aResponse().withStatus(200)));
    Jar.Result replayed = Jar.run(dir, "replay", "-d", d, "--wait", "30s");

    assertThat(replayed.exit()).as(replayed.all()).isZero();
    assertThat(replayed.out()).contains("replay: left 8 dead letters alone whose destination may already hold them ("
        + CODE + ")").contains("leadrouter replay --code " + CODE)
        .contains("replay: moved 8 dead letters back to pending").contains("  local: 8 delivered");
    assertThat(forms()).as("no form sent again by a plain replay").isZero();
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(8);

    Jar.Result named = Jar.run(dir, "replay", "-d", d, "--code", CODE, "--wait", "30s");
    assertThat(named.exit()).as(named.all()).isZero();
    assertThat(named.out()).contains("replay: moved 8 dead letters back to pending")
        .contains("  w2l: 0 delivered, 8 handed off (unconfirmed)");
    assertThat(forms()).isEqualTo(8);

    Jar.Result again = Jar.run(dir, "replay", "-d", d, "--code", CODE, "--wait", "30s");
    assertThat(again.out()).as(again.all()).contains("replay: moved 0 dead letters back to pending");
    assertThat(forms()).as("replaying the same dead letters again sends nothing").isEqualTo(8);
  }
}
