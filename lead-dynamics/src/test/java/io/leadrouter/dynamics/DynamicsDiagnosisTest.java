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
import org.junit.jupiter.api.Test;

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

  @Test
  void deliver_tenantNotFound_AADSTS90002() {
    fake.tokenAnswers(FakeDynamics.entraError(400, "invalid_request", 90002, "Tenant '" + FakeDynamics.TENANT
        + "' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."));
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo("DYNAMICS_TENANT_NOT_FOUND");
    assertThat(d.message()).isEqualTo("AADSTS90002: Tenant '" + FakeDynamics.TENANT + "' not found. Check to make "
        + "sure you have the correct tenant ID and are signing into the correct cloud.");
    assertThat(d.remediation()).isEqualTo("the tenant id is wrong or deleted: copy it from the Microsoft Entra ID "
        + "overview page (Directory (tenant) ID)");
  }

  @Test
  void deliver_appNotFound_AADSTS700016() {
    fake.tokenAnswers(FakeDynamics.entraError(400, "unauthorized_client", 700016, "Application with identifier '"
        + FakeDynamics.CLIENT + "' was not found in the directory 'Contoso'. This can happen if the application has "
        + "not been installed by the administrator of the tenant or consented to by any user in the tenant."));
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo("DYNAMICS_APP_NOT_FOUND");
    assertThat(d.message()).startsWith("AADSTS700016: Application with identifier '" + FakeDynamics.CLIENT
        + "' was not found in the directory 'Contoso'.");
    assertThat(d.remediation()).contains("the client id is not registered in that tenant");
  }

  @Test
  void deliver_invalidTenantFormat_AADSTS900023() {
    fake.tokenAnswers(FakeDynamics.entraError(400, "invalid_request", 900023, "Specified tenant identifier "
        + "'contoso_corp' is neither a valid DNS name, nor a valid external domain."));
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo("DYNAMICS_INVALID_TENANT_FORMAT");
    assertThat(d.message()).isEqualTo("AADSTS900023: Specified tenant identifier 'contoso_corp' is neither a valid "
        + "DNS name, nor a valid external domain.");
    assertThat(d.remediation()).contains("GUID or a verified domain");
  }

  @Test
  void deliver_invalidClientSecret_AADSTS7000215() {
    fake.tokenAnswers(FakeDynamics.entraError(401, "invalid_client", 7000215, "Invalid client secret provided. "
        + "Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a "
        + "secret added to app '" + FakeDynamics.CLIENT + "'."));
    DynamicsSink sink = fake.sink().build();
    Diagnosis d = permanent(sink);
    assertThat(d.code()).isEqualTo("DYNAMICS_INVALID_CLIENT_SECRET");
    assertThat(d.message()).isEqualTo("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
        + "in the request is the client secret value, not the client secret ID, for a secret added to app '"
        + FakeDynamics.CLIENT + "'.");
    assertThat(d.remediation()).startsWith("create a new client secret");
    assertThat(d.toString()).doesNotContain(FakeDynamics.SECRET);
  }

  @Test
  void deliver_expiredClientSecret_AADSTS7000222() {
    fake.tokenAnswers(FakeDynamics.entraError(401, "invalid_client", 7000222, "The provided client secret keys "
        + "for app '" + FakeDynamics.CLIENT + "' are expired. Visit the Azure portal to create new keys for your "
        + "app: https://aka.ms/NewClientSecret"));
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo("DYNAMICS_INVALID_CLIENT_SECRET");
    assertThat(d.message()).startsWith("AADSTS7000222: The provided client secret keys for app");
  }

  @Test
  void deliver_otherSignInError_isSignInFailed() {
    fake.tokenAnswers(FakeDynamics.entraError(400, "invalid_resource", 500011, "The resource principal named "
        + fake.baseUrl() + " was not found in the tenant named Contoso."));
    Diagnosis d = permanent(fake.sink().build());
    assertThat(d.code()).isEqualTo("DYNAMICS_SIGN_IN_FAILED");
    assertThat(d.message()).isEqualTo("AADSTS500011: The resource principal named " + fake.baseUrl()
        + " was not found in the tenant named Contoso.");
    assertThat(d.remediation()).startsWith("check the account and that the app is granted access to the instance");
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
    fake.dataverseAnswers(aResponse().withStatus(204).withFixedDelay(1500));
    DynamicsSink sink = fake.sink().timeout(Duration.ofMillis(150)).build();
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
    // the read timeout or the whole-call timeout (same length) fires first, whichever the scheduler picks
    assertThat(d.message()).startsWith("3 requests in a row to 127.0.0.1 failed to connect or timed out (last: ")
        .containsPattern("\\(last: (SocketTimeoutException|InterruptedIOException: timeout)");
    assertThat(d.remediation()).isEqualTo("the instance URL is wrong or unreachable: use "
        + "https://<org>.crm.dynamics.com");

    fake.reset();
    DeliveryException afterAnswer;
    try {
      sink.deliver(SampleLeads.appSourceCreate());
    } catch (DeliveryException e) {
      throw new AssertionError("the healed instance must accept the lead", e);
    }
    fake.dataverseAnswers(aResponse().withStatus(204).withFixedDelay(1500));
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

  @Test
  void deliver_throttled429_isTransientWithRetryAfter() {
    fake.dataverseAnswers(FakeDynamics.json(429, "{\"error\":{\"code\":\"0x80072322\",\"message\":\"Number of "
        + "requests exceeded the limit of 6000 over time window of 300 seconds.\"}}").withHeader("Retry-After", "20"));
    DeliveryException e = failure(fake.sink().build());
    assertThat(e).isInstanceOf(TransientDeliveryException.class)
        .hasMessage("Dataverse throttled the request (429): Number of requests exceeded the limit of 6000 over time "
            + "window of 300 seconds.");
    assertThat(((TransientDeliveryException) e).retryAfter()).contains(Duration.ofSeconds(20));
    assertThat(e.diagnosis().orElseThrow().code()).isEqualTo("DYNAMICS_THROTTLED");
  }

  @Test
  void deliver_serverError_isTransientWithRetryAfter() {
    fake.dataverseAnswers(FakeDynamics.json(503, "{\"error\":{\"code\":\"0x80044151\",\"message\":\"The service "
        + "is temporarily unavailable.\"}}").withHeader("Retry-After", "45"));
    DeliveryException e = failure(fake.sink().build());
    assertThat(e).isInstanceOf(TransientDeliveryException.class)
        .hasMessage("Dataverse answered 503: The service is temporarily unavailable.");
    assertThat(((TransientDeliveryException) e).retryAfter()).contains(Duration.ofSeconds(45));
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
