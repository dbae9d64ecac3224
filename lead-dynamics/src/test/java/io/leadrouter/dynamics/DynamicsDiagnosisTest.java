package io.leadrouter.dynamics;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One test per row of DOMAIN.md's Dynamics error table, plus the transient classifications. */
class DynamicsDiagnosisTest extends FakeDynamicsTest {

  private static DeliveryException failure(DynamicsSink sink) {
    Throwable thrown = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(thrown).isInstanceOf(DeliveryException.class);
    return (DeliveryException) thrown;
  }

  private static Diagnosis permanent(DynamicsSink sink) {
    DeliveryException e = failure(sink);
    assertThat(e).isInstanceOf(PermanentDeliveryException.class);
    return ((PermanentDeliveryException) e).diagnosisValue();
  }

  /**
   * Entra ID's sign-in errors as DOMAIN.md's table lists them: status, OAuth error, AADSTS number and description in;
   * the diagnosis code, Entra's own words ({@code AADSTS<n>: <description>}) and the fix out, never the secret.
   */
  static Stream<Arguments> entraSignInErrors() {
    return Stream.of(
        Arguments.of(400, "invalid_request", 90002, "Tenant '" + FakeDynamics.TENANT + "' not found. Check to make "
            + "sure you have the correct tenant ID and are signing into the correct cloud.",
            "DYNAMICS_TENANT_NOT_FOUND", "the tenant id is wrong or deleted: copy it from the Microsoft Entra ID "
            + "overview page (Directory (tenant) ID)"),
        Arguments.of(400, "unauthorized_client", 700016, "Application with identifier '" + FakeDynamics.CLIENT
            + "' was not found in the directory 'Contoso'. This can happen if the application has not been installed "
            + "by the administrator of the tenant or consented to by any user in the tenant.",
            "DYNAMICS_APP_NOT_FOUND", "the client id is not registered in that tenant"),
        Arguments.of(400, "invalid_request", 900023, "Specified tenant identifier 'contoso_corp' is neither a valid "
            + "DNS name, nor a valid external domain.", "DYNAMICS_INVALID_TENANT_FORMAT", "GUID or a verified domain"),
        Arguments.of(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in "
            + "the request is the client secret value, not the client secret ID, for a secret added to app '"
            + FakeDynamics.CLIENT + "'.", "DYNAMICS_INVALID_CLIENT_SECRET", "create a new client secret"),
        Arguments.of(401, "invalid_client", 7000222, "The provided client secret keys for app '" + FakeDynamics.CLIENT
            + "' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret",
            "DYNAMICS_INVALID_CLIENT_SECRET", "create a new client secret"),
        // the scope is <instanceUrl>/.default: a mistyped instance URL (or another tenant's environment) is what
        // Entra cannot find, and the fix is that URL, not an application user
        Arguments.of(400, "invalid_resource", 500011, "The resource principal named https://contosso.crm.dynamics.com "
            + "was not found in the tenant named Contoso. This can happen if the application has not been installed by "
            + "the administrator of the tenant or consented to by any user in the tenant. You might have sent your "
            + "authentication request to the wrong tenant.", "DYNAMICS_INSTANCE_NOT_IN_TENANT",
            "instanceUrl names no Dataverse environment of this tenant: copy the Environment URL"),
        Arguments.of(400, "unauthorized_client", 7000112, "Application '" + FakeDynamics.CLIENT + "'(Contoso leads) "
            + "is disabled.", "DYNAMICS_APP_DISABLED", "enable the app in this tenant"),
        // a number the table does not list: Entra's words, and the general fix
        Arguments.of(400, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies. The "
            + "access policy does not allow token issuance.", "DYNAMICS_SIGN_IN_FAILED",
            "check the account and that the app is granted access to the instance"));
  }

  @ParameterizedTest(name = "AADSTS{2} is {4}")
  @MethodSource("entraSignInErrors")
  void deliver_entraSignInError_isItsDiagnosis_inEntrasWords_withTheFix(int status, String error, long aadsts,
      String description, String code, String fix) {
    fake.tokenAnswers(FakeDynamics.entraError(status, error, aadsts, description));
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo(code);
    assertThat(d.message()).isEqualTo("AADSTS" + aadsts + ": " + description);
    assertThat(d.remediation()).contains(fix);
    assertThat(d.toString()).doesNotContain(FakeDynamics.SECRET);
  }

  @Test
  void deliver_freshTokenStillRefused_isSignInFailedAfterOneRefresh() {
    fake.dataverseAnswers(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer error=invalid_token, "
        + "error_description=\"Error during token validation!\""));
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo("DYNAMICS_SIGN_IN_FAILED");
    assertThat(d.message()).isEqualTo("Dataverse refused a fresh token (401): Bearer error=invalid_token, "
        + "error_description=\"Error during token validation!\"");
    assertThat(fake.tokenRequests()).as("one token, then exactly one refresh").isEqualTo(2);
  }

  @Test
  void deliver_missingCreatePrivilege_isNoCreatePrivilege() {
    fake.privileges("prvReadLead", "prvWriteLead");
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo("DYNAMICS_NO_CREATE_PRIVILEGE");
    assertThat(d.message()).isEqualTo("Principal user (Id=" + FakeDynamics.USER_ID + ", type=8, roleCount=1, "
        + "privilegeCount=14, accessMode=4), is missing prvCreateLead privilege "
        + "(Id=b1f6e5d8-1f51-4f6c-9a6d-2f3c8f1f1a11) on OTC=4 for entity 'lead'.");
    assertThat(d.remediation()).contains("Microsoft Marketplace Lead Writer");
  }

  @Test
  void deliver_leadSourceCodeFieldSecured_isNoCreatePrivilege() {
    fake.dataverseAnswers(FakeDynamics.json(403, "{\"error\":{\"code\":\"0x8004f507\",\"message\":\"Caller user "
        + "with Id " + FakeDynamics.USER_ID + " does not have create permissions for the leadsourcecode "
        + "attribute.\"}}"));
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo("DYNAMICS_NO_CREATE_PRIVILEGE");
    assertThat(d.message()).endsWith("does not have create permissions for the leadsourcecode attribute.");
  }

  @Test
  void deliver_noSecurityRole_isNoRoles() {
    fake.noRoles();
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo("DYNAMICS_NO_ROLES");
    assertThat(d.message()).isEqualTo("SecLib::RetrievePrivilegeForUser failed - no roles are assigned to user. "
        + "Returned hr = -2147209463, User: " + FakeDynamics.USER_ID);
    assertThat(d.remediation()).startsWith("assign a security role to the application user");
  }

  @Test
  void deliver_threeTimeoutsInARow_carryInstanceUnreachable() {
    // the timeout also covers the token request and the healed delivery below: 1 s leaves room for a loaded machine
    fake.dataverseAnswers(aResponse().withStatus(204).withFixedDelay(6000));
    DynamicsSink sink = fake.sink().timeout(Duration.ofMillis(1000)).build();
    DeliveryException first = failure(sink);
    DeliveryException second = failure(sink);
    DeliveryException third = failure(sink);
    assertThat(first).isInstanceOf(TransientDeliveryException.class);
    assertThat(first.diagnosis()).isEmpty();
    assertThat(second.diagnosis()).isEmpty();
    assertThat(third).as("unreachable stays transient: a network outage looks the same")
        .isInstanceOf(TransientDeliveryException.class);
    Diagnosis d = third.diagnosis().orElseThrow();
    assertThat(d.code()).isEqualTo("DYNAMICS_INSTANCE_UNREACHABLE");
    assertThat(d.message()).startsWith("3 requests in a row to 127.0.0.1 failed to connect or timed out "
        + "(last: SocketTimeoutException");
    assertThat(d.remediation()).isEqualTo("the instance URL is wrong or unreachable: use "
        + "https://<org>.crm.dynamics.com");

    fake.reset();
    DeliveryException afterAnswer;
    try {
      sink.deliver(SampleLeads.appSourceCreate());
    } catch (DeliveryException e) {
      throw new AssertionError("the healed instance must accept the lead", e);
    }
    fake.dataverseAnswers(aResponse().withStatus(204).withFixedDelay(6000));
    afterAnswer = failure(sink);
    assertThat(afterAnswer.diagnosis()).as("an answer resets the count").isEmpty();
  }

  @Test
  void deliver_connectionRefusedRepeatedly_carriesInstanceUnreachable() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    fake.tokenForAnyScope(0);
    DynamicsSink sink = fake.sink().instanceUrl("http://127.0.0.1:" + closedPort).unreachableAfter(2).build();
    assertThat(failure(sink).diagnosis()).isEmpty();
    DeliveryException second = failure(sink);
    assertThat(second).isInstanceOf(TransientDeliveryException.class);
    assertThat(second.diagnosis().orElseThrow().code()).isEqualTo("DYNAMICS_INSTANCE_UNREACHABLE");
    assertThat(second.diagnosis().orElseThrow().message()).startsWith("2 requests in a row to 127.0.0.1 failed to "
        + "connect or timed out (last: ConnectException");
  }

  /** Dataverse's answers to retry later: status, error code and message, {@code Retry-After} seconds. */
  static Stream<Arguments> dataverseRetryLater() {
    return Stream.of(
        // service protection limits: a throttle, with its own diagnosis
        Arguments.of(429, "0x80072322", "Number of requests exceeded the limit of 6000 over time window of 300 "
            + "seconds.", 20, "Dataverse throttled the request (429): Number of requests exceeded the limit of 6000 "
            + "over time window of 300 seconds.", Optional.of("DYNAMICS_THROTTLED")),
        Arguments.of(503, "0x80044151", "The service is temporarily unavailable.", 45,
            "Dataverse answered 503: The service is temporarily unavailable.", Optional.empty()));
  }

  @ParameterizedTest(name = "{0} is transient, Retry-After {3} s")
  @MethodSource("dataverseRetryLater")
  void deliver_dataverseRetryLater_isTransientWithRetryAfter(int status, String errorCode, String errorMessage,
      int retryAfterSeconds, String message, Optional<String> diagnosisCode) {
    fake.dataverseAnswers(FakeDynamics.json(status, "{\"error\":{\"code\":\"" + errorCode + "\",\"message\":\""
        + errorMessage + "\"}}").withHeader("Retry-After", String.valueOf(retryAfterSeconds)));
    DeliveryException e = failure(fake.sink().build());
    assertThat(e).isInstanceOf(TransientDeliveryException.class).hasMessage(message);
    assertThat(((TransientDeliveryException) e).retryAfter()).contains(Duration.ofSeconds(retryAfterSeconds));
    assertThat(e.diagnosis().map(Diagnosis::code)).isEqualTo(diagnosisCode);
  }

  /**
   * A web application firewall or proxy in front of the instance answers with a web page, not Dataverse's JSON
   * error: the diagnosis quotes the page's words (never its markup) and names the instance URL and the proxy as the
   * fix, not the column mapping; a gateway's 502 page is transient and says what it said.
   */
  @Test
  void deliver_firewallsHtmlPage_isRejectedNamingTheProxyNotTheMapping() {
    fake.dataverseAnswers(aResponse().withStatus(403).withHeader("Content-Type", "text/html")
        .withBody("<!DOCTYPE html>\n<html><head><title>Access Denied</title><style>body{color:red}</style></head>"
            + "<body><h1>Access Denied</h1><p>Request blocked by the web application firewall.</p></body></html>"));
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo("DYNAMICS_REQUEST_REJECTED");
    assertThat(d.message()).contains("403", "web page", "Access Denied",
        "Request blocked by the web application firewall.").doesNotContain("<", "color:red");
    assertThat(d.remediation()).contains("instanceUrl", "proxy").doesNotContain("column mapping");
  }

  @Test
  void deliver_gatewaysHtml502_isTransientQuotingThePage() {
    fake.dataverseAnswers(aResponse().withStatus(502).withHeader("Content-Type", "text/html")
        .withBody("<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
            + "Gateway</h1></center><hr><center>nginx</center></body></html>"));
    Throwable e = catchThrowable(() -> fake.sink().build().deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(e).isInstanceOf(TransientDeliveryException.class).hasMessageContaining("502 Bad Gateway")
        .hasMessageNotContaining("<!DOCTYPE");
  }

  @Test
  void deliver_unknownColumn_isRequestRejected() {
    fake.dataverseAnswers(FakeDynamics.json(400, "{\"error\":{\"code\":\"0x80060888\",\"message\":\"Could not "
        + "find a property named 'new_foo' on type 'Microsoft.Dynamics.CRM.lead'.\"}}"));
    Diagnosis d = permanent(fake.sink().map("title", "new_foo").build());
    assertThat(d.code()).isEqualTo("DYNAMICS_REQUEST_REJECTED");
    assertThat(d.message()).isEqualTo("Dataverse answered 400 0x80060888: Could not find a property named "
        + "'new_foo' on type 'Microsoft.Dynamics.CRM.lead'.");
  }
}
