package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.CustomerInfo;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadId;
import io.leadrouter.Person;
import io.leadrouter.azuretable.AzureTableAccount;
import io.leadrouter.http.AccessTokenCache;
import io.leadrouter.http.ClientCredentialsGrant;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.marketo.MarketoConfig;
import io.leadrouter.salesforce.SalesforceCredentials;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.function.UnaryOperator;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code toString} of every public type that holds a credential, a URL or a customer's data, built with all of
 * them set, shows none of them: sinks of every bundled type created from a descriptor's settings (URLs carrying a
 * password or a token as their user info), their configs and credentials, the token client's pieces, a destination's
 * answer, an explained request, a lead, an event and a delivery result. An application logs these freely.
 */
class ToStringLeakTest {
  /** A password in a URL's user info. */
  private static final String URL_PASSWORD = "Url-Pa55word-41";
  /** A token written as a URL's whole user info (GitHub, Zapier and hook URLs take one so). */
  private static final String URL_TOKEN = "ghp_T0kenAsUserInfo9876";
  private static final String CLIENT_SECRET = "Cl1ent-Secret~Value.77";
  private static final String ACCESS_TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig-0ff";
  private static final String EMAIL = "jane.doe@contoso.com";
  private static final String PHONE = "+1 425 555 0100";

  @TempDir Path dir;

  private static String userInfo(String url, String userInfo) {
    return url.replace("://", "://" + userInfo + "@");
  }

  /** Every bundled sink type's settings, each URL carrying a password or a token in its user info. */
  private static Map<String, UnaryOperator<SinkConfig.Builder>> sinks() {
    String pw = "svc:" + URL_PASSWORD;
    return Map.of(
        "salesforce", b -> b.put("myDomain", userInfo("https://contoso.my.salesforce.com", pw))
            .put("clientId", "3MVG9A7Ek5WBY8Qf").secret("clientSecret", Secret.of(CLIENT_SECRET), "${SF}"),
        "salesforce-web2lead", b -> b.put("orgId", "00D5e000000AbCd")
            .put("endpoint", userInfo("https://webto.salesforce.com/servlet/servlet.WebToLead", URL_TOKEN)),
        "dynamics", b -> b.put("tenantId", "contoso.onmicrosoft.com")
            .put("clientId", "0b2e1a6c-6a4e-4c1b-9f55-1f0d3c2a9e01")
            .secret("clientSecret", Secret.of(CLIENT_SECRET), "${D}")
            .put("instanceUrl", userInfo("https://contoso.crm.dynamics.com", URL_TOKEN))
            .put("authorityHost", userInfo("https://login.microsoftonline.com", pw)),
        "marketo", b -> b.put("endpoint", userInfo("https://123-ABC-456.mktorest.com/rest", pw))
            .put("identity", userInfo("https://123-ABC-456.mktorest.com/identity", URL_TOKEN))
            .put("clientId", "client-1").secret("clientSecret", Secret.of(CLIENT_SECRET), "${M}"),
        "https", b -> b.put("url", userInfo("https://hooks.example.com/leads", URL_TOKEN))
            .secret("signingSecret", Secret.of("whsec_c2VjcmV0LXNpZ25pbmcta2V5LTEyMzQ="), "${H}"));
  }

  @Test
  void sinksBuiltFromSettings_showNoCredentialOfTheirUrls() {
    List<String> shown = new ArrayList<>();
    Map<String, LeadSinkProvider> providers = new java.util.HashMap<>();
    ServiceLoader.load(LeadSinkProvider.class).forEach(p -> providers.put(p.type(), p));
    sinks().forEach((type, settings) -> {
      SinkConfig config = settings.apply(SinkConfig.builder("x", type).baseDirectory(dir)).build();
      try (LeadSink sink = providers.get(type).create(config)) {
        shown.add(type + " -> " + sink);
      } catch (RuntimeException e) {
        shown.add(type + " refused -> " + e);
      }
    });

    assertThat(shown).hasSize(5).allSatisfy(s -> assertThat(s).doesNotContain(URL_PASSWORD, URL_TOKEN,
        CLIENT_SECRET));
  }

  @Test
  void configsAndCredentials_showNoCredentialOfTheirUrls() {
    URI myDomain = URI.create(userInfo("https://contoso.my.salesforce.com", "svc:" + URL_PASSWORD));
    Secret secret = Secret.of(CLIENT_SECRET);
    List<Object> values = List.of(
        SalesforceCredentials.of(myDomain, "3MVG9A7Ek5WBY8Qf", secret),
        new MarketoConfig(URI.create(userInfo("https://123-ABC-456.mktorest.com/rest", URL_TOKEN)),
            URI.create(userInfo("https://123-ABC-456.mktorest.com/identity", "svc:" + URL_PASSWORD)), "client-1",
            secret, MarketoConfig.Mode.CREATE_OR_UPDATE, "email", OptionalInt.empty(), Map.of(), Optional.empty(),
            Duration.ofSeconds(30)),
        new ClientCredentialsGrant(HttpUrl.get(userInfo("https://login.example.com/oauth2/token", URL_TOKEN)),
            "client-1", secret),
        AzureTableAccount.sas(URI.create(userInfo("https://acct.table.core.windows.net", URL_TOKEN)),
            Secret.of("sv=2024-11-04&ss=t&srt=o&sp=rwau&sig=c2lnbmF0dXJlLXZhbHVlLTEy")),
        AccessTokenCache.Token.untilRefused(ACCESS_TOKEN));

    assertThat(values).allSatisfy(v -> assertThat(v.toString()).as(v.getClass().getSimpleName())
        .doesNotContain(URL_PASSWORD, URL_TOKEN, CLIENT_SECRET, ACCESS_TOKEN, "c2lnbmF0dXJl"));
  }

  @Test
  void answersRequestsLeadsAndEvents_showNoSecretAndNoRawPersonalData() {
    Secret secret = Secret.of(CLIENT_SECRET);
    String echo = "{\"error\":\"invalid_client\",\"client_secret\":\"" + secret.reveal() + "\",\"for\":\"" + EMAIL
        + "\",\"phone\":\"" + PHONE + "\",\"access\":\"" + ACCESS_TOKEN + "\"}";
    Lead lead = Lead.builder().id(LeadId.random()).createdTime(Instant.parse("2026-12-01T10:00:00Z"))
        .customer(new CustomerInfo("Jane", "Doe", EMAIL, PHONE, "US", "Contoso", "CTO"))
        .source("AzureMarketplace-INS|contoso.crm-connector").offerTitle("Contoso CRM Connector")
        .description("call " + PHONE + " or " + EMAIL).build();
    List<Object> values = List.of(
        new HttpAnswer(401, echo, Headers.of("WWW-Authenticate", "Bearer error_description=\"" + secret.reveal()
            + "\"", "Set-Cookie", "session=" + ACCESS_TOKEN, "X-Echo", EMAIL), Optional.empty()),
        lead, lead.customer(),
        Person.byEmail(EMAIL), Person.byPhone(PHONE),
        DeliveryResult.created("rec-" + EMAIL),
        new LeadEvent(LeadEvent.Type.DEAD_LETTERED, LeadId.of("l-1"), "crm", Instant.EPOCH, 3,
            Optional.of(DeliveryResult.created(EMAIL)), Optional.of(new Diagnosis("X", echo, "tell " + EMAIL)),
            Optional.empty()),
        new Diagnosis("X", echo, echo));

    assertThat(values).allSatisfy(v -> assertThat(v.toString()).as(v.getClass().getSimpleName())
        .doesNotContain(CLIENT_SECRET, ACCESS_TOKEN, EMAIL, "jane.doe", PHONE, "555 0100"));
  }

  /**
   * An explained request shows the customer's data as the request holds it ({@code explain} masks it unless run with
   * {@code --show-pii}), but never a credential: not in the URL, a header or the body.
   */
  @Test
  void explainedRequest_showsNoCredential() {
    Secret secret = Secret.of(CLIENT_SECRET);
    ExplainedRequest r = ExplainedRequest.builder("POST", userInfo("https://hooks.example.com/leads", URL_TOKEN))
        .header("X-Api-Key", secret.reveal()).header("X-Forward", "Bearer " + ACCESS_TOKEN)
        .header("Authorization", "Bearer " + ExplainedRequest.REDACTED)
        .body(("{\"password\":\"" + URL_PASSWORD + "\",\"email\":\"" + EMAIL + "\"}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8)).build();

    assertThat(r.toString() + r.headers()).doesNotContain(CLIENT_SECRET, ACCESS_TOKEN, URL_PASSWORD, URL_TOKEN)
        .contains("Authorization: Bearer " + ExplainedRequest.REDACTED, EMAIL);
  }
}
