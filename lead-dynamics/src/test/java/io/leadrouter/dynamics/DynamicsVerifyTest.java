package io.leadrouter.dynamics;

import io.leadrouter.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.spi.VerificationReport.Status;
import io.leadrouter.spi.VerificationReport.Step;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The publish check: token, WhoAmI, create privilege, alternate key, opt-out columns, marketplace-style test lead. */
class DynamicsVerifyTest extends FakeDynamicsTest {
  private static final String TICKS = "MSFT_TEST_639311985300000000"; // 2026-11-25T10:15:30Z in .NET ticks
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:15:30Z"));

  private static String summary(VerificationReport report) {
    StringBuilder b = new StringBuilder();
    for (Step s : report.steps()) {
      b.append(s.name()).append('=').append(s.status())
          .append(s.diagnosis().map(d -> "(" + d.code() + ")").orElse("")).append(' ');
    }
    return b.toString().strip();
  }

  /** The publish check of the sink {@code settings} build, at the test's clock; the sink is closed afterwards. */
  private VerificationReport verify(DynamicsSink.Builder settings) {
    try (DynamicsSink sink = settings.clock(clock).build()) {
      return sink.verify();
    }
  }

  @Test
  void verify_healthyWithoutAlternateKey_passesAndWarnsAboutTheKey() {
    VerificationReport report = verify(fake.sink());

    assertThat(report.sinkType()).isEqualTo("dynamics");
    assertThat(summary(report)).isEqualTo("token=PASSED whoami=PASSED create privilege=PASSED "
        + "alternate key=WARNING(DYNAMICS_NO_ALTERNATE_KEY) opt-out columns=PASSED test lead=PASSED");
    assertThat(report.passed()).isTrue();
    assertThat(report.steps().get(1).detail()).isEqualTo("application user " + FakeDynamics.USER_ID
        + " in organization 883278f5-07af-45eb-a0bc-3fea67caa544");
    ObjectNode row = fake.rows().get(0);
    assertThat(row.path("firstname").asText()).isEqualTo(TICKS);
    assertThat(row.path("lastname").asText()).isEqualTo(TICKS);
    assertThat(row.path("companyname").asText()).isEqualTo(TICKS);
    assertThat(row.path("emailaddress1").asText()).isEqualTo(TICKS + "@test.com");
    assertThat(row.path("telephone1").asText()).isEqualTo("1234567890");
    assertThat(row.path("address1_country").asText()).isEqualTo("US");
    assertThat(row.path("jobtitle").asText()).isEqualTo(TICKS);
    assertThat(row.path("description").asText()).startsWith("Lead source: " + TICKS + "-" + TICKS
        + "|LeadRouter publish check\nCampaign: " + TICKS);
    assertThat(row.has("donotemail")).as("the test lead is no DNC").isFalse();
    assertThat(report.steps().get(5).detail()).startsWith("test lead " + TICKS + " created as lead ");
  }

  @Test
  void verify_whoAmIEchoingTheSecretAndAnEmail_showsNeitherInTheReport() {
    fake.whoAmIAnswers(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"UserId\":\"" + FakeDynamics.SECRET + "\",\"OrganizationId\":\"jane.doe@contoso.com\"}"));

    VerificationReport report = verify(fake.sink());

    assertThat(report.steps().get(1).name()).isEqualTo("whoami");
    assertThat(report.toString()).doesNotContain(FakeDynamics.SECRET, "jane.doe");
    assertThat(report.steps().get(1).detail())
        .isEqualTo("application user [redacted] in organization j***@contoso.com");
  }

  @Test
  void verify_withActiveAlternateKey_passesEveryStep() {
    fake.alternateKey("new_leadrouterid");
    VerificationReport report = verify(fake.sink().idColumn("new_leadrouterid"));
    assertThat(summary(report)).isEqualTo("token=PASSED whoami=PASSED create privilege=PASSED "
        + "alternate key=PASSED opt-out columns=PASSED test lead=PASSED");
    assertThat(fake.rows()).singleElement()
        .satisfies(r -> assertThat(r.path("new_leadrouterid").asText()).isEqualTo(TICKS));
  }

  @Test
  void verify_idColumnWithoutAlternateKey_failsBeforeTheTestLead() {
    VerificationReport report = verify(fake.sink().idColumn("new_leadrouterid"));
    assertThat(summary(report)).isEqualTo("token=PASSED whoami=PASSED create privilege=PASSED "
        + "alternate key=FAILED(DYNAMICS_NO_ALTERNATE_KEY) opt-out columns=PASSED test lead=SKIPPED");
    assertThat(fake.rows()).isEmpty();
  }

  @Test
  void verify_missingCreatePrivilege_failsWithDiagnosis() {
    fake.privileges("prvReadLead");
    VerificationReport report = verify(fake.sink());
    assertThat(summary(report)).isEqualTo("token=PASSED whoami=PASSED "
        + "create privilege=FAILED(DYNAMICS_NO_CREATE_PRIVILEGE) alternate key=WARNING(DYNAMICS_NO_ALTERNATE_KEY) "
        + "opt-out columns=PASSED test lead=SKIPPED");
    assertThat(report.failures().get(0).detail()).isEqualTo("the application user " + FakeDynamics.USER_ID
        + " lacks the prvCreateLead privilege");
  }

  @Test
  void verify_noRoles_failsAtWhoAmI() {
    fake.noRoles();
    VerificationReport report = verify(fake.sink());
    assertThat(summary(report)).isEqualTo("token=PASSED whoami=FAILED(DYNAMICS_NO_ROLES) "
        + "create privilege=SKIPPED alternate key=SKIPPED opt-out columns=SKIPPED test lead=SKIPPED");
  }

  @Test
  void verify_optOutColumnMissing_failsNamingItWithTheFix() {
    fake.dropColumn("donotphone");
    VerificationReport report = verify(fake.sink());
    assertThat(summary(report)).isEqualTo("token=PASSED whoami=PASSED create privilege=PASSED "
        + "alternate key=WARNING(DYNAMICS_NO_ALTERNATE_KEY) opt-out columns=FAILED(DYNAMICS_OPT_OUT_COLUMN_MISSING) "
        + "test lead=SKIPPED");
    var diagnosis = report.failures().get(0).diagnosis().orElseThrow();
    assertThat(diagnosis.message()).contains("the table has no column donotphone").contains("DNC leads would be "
        + "refused");
    assertThat(diagnosis.remediation()).contains("restore the standard opt-out columns");
    assertThat(fake.rows()).isEmpty();
  }

  @Test
  void verify_badSecret_failsAtTokenAndSkipsTheRest() {
    fake.tokenAnswers(FakeDynamics.entraError(401, "invalid_client", 7000215, "Invalid client secret provided."));
    VerificationReport report = verify(fake.sink());
    assertThat(summary(report)).isEqualTo("token=FAILED(DYNAMICS_INVALID_CLIENT_SECRET) whoami=SKIPPED "
        + "create privilege=SKIPPED alternate key=SKIPPED opt-out columns=SKIPPED test lead=SKIPPED");
    assertThat(report.toString()).doesNotContain(FakeDynamics.SECRET);
    assertThat(report.steps()).extracting(Step::status).first().isEqualTo(Status.FAILED);
  }
}
