package io.leadrouter.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.spi.Secret;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.junit.jupiter.api.Test;

/** The RFC 6749 client credentials request in its two forms, and the standard answer. */
class ClientCredentialsGrantTest {
  private static final HttpUrl TOKEN_URL = HttpUrl.get("https://login.example.test/tenant/oauth2/v2.0/token");
  private final ClientCredentialsGrant grant =
      new ClientCredentialsGrant(TOKEN_URL, "app-id", Secret.of("s3cr3t&=value"));

  @Test
  void post_isAFormWithTheGrantTheAppAndTheExtraParameters() {
    Request request = grant.post(Map.of("scope", "https://org.crm.dynamics.com/.default"));

    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.url()).isEqualTo(TOKEN_URL);
    assertThat(request.header("Accept")).isEqualTo("application/json");
    FormBody form = (FormBody) request.body();
    Map<String, String> fields = new LinkedHashMap<>();
    for (int i = 0; i < form.size(); i++) {
      fields.put(form.name(i), form.value(i));
    }
    assertThat(fields).containsExactly(Map.entry("grant_type", "client_credentials"),
        Map.entry("client_id", "app-id"), Map.entry("client_secret", "s3cr3t&=value"),
        Map.entry("scope", "https://org.crm.dynamics.com/.default"));
  }

  @Test
  void get_carriesTheSameParametersInTheQuery() {
    Request request = grant.get();

    assertThat(request.method()).isEqualTo("GET");
    assertThat(request.url().encodedPath()).isEqualTo(TOKEN_URL.encodedPath());
    assertThat(request.url().queryParameterNames()).containsExactly("grant_type", "client_id", "client_secret");
    assertThat(request.url().queryParameter("client_secret")).isEqualTo("s3cr3t&=value");
  }

  @Test
  void answer_readsTheTokenAndItsLifetime_orSaysWhatIsMissing() throws IOException {
    ClientCredentialsGrant.Answer full = ClientCredentialsGrant.answer(
        "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"eyJ0eXAi\"}");
    assertThat(full.accessToken()).isEqualTo("eyJ0eXAi");
    assertThat(full.expiresIn()).isEqualTo(3599);

    ClientCredentialsGrant.Answer noLifetime = ClientCredentialsGrant.answer("{\"access_token\":\"00D!AQ\"}");
    assertThat(noLifetime.expiresIn()).isEqualTo(-1);
    assertThat(ClientCredentialsGrant.answer("{}").accessToken()).isEmpty();
    assertThatThrownBy(() -> ClientCredentialsGrant.answer("<html>sign-in page</html>"))
        .isInstanceOf(IOException.class);
  }

  /** expires_in as the identity providers write it, and as a hostile or broken one might: never wrapped around. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "3599 | 3599", "'\"3599\"' | 3599", "'\" 3599 \"' | 3599", "3599.9 | 3599", "0 | 0",
      "86401 | 86400", "100000000000000000 | 86400", "9223372036854775807 | 86400",
      "18446744073709551616 | 86400", "18446744073709555215 | 86400", "1e30 | 86400", "'\"1e30\"' | -1",
      "-1 | -1", "-3599 | -1", "-1e30 | -1", "'\"soon\"' | -1", "null | -1", "true | -1", "{} | -1", "[] | -1"})
  void answer_expiresInOddlyWrittenOrAbsurd_isAtMostADayAndNeverWrapsAround(String json, long seconds)
      throws IOException {
    assertThat(ClientCredentialsGrant.answer("{\"access_token\":\"t\",\"expires_in\":" + json + "}").expiresIn())
        .isEqualTo(seconds);
  }

  @Test
  void toString_neverShowsTheSecretOrTheToken() throws IOException {
    assertThat(grant.toString()).contains("app-id").doesNotContain("s3cr3t");
    assertThat(ClientCredentialsGrant.answer("{\"access_token\":\"eyJ0eXAi\"}").toString())
        .doesNotContain("eyJ0eXAi");
  }

  /**
   * A token answer larger than the fetcher reads (a 10 MB access token) arrives cut at the bound: it was reported as
   * "an answer that is not JSON", sending the reader to look for a proxy's page. It is named for what it is.
   */
  @Test
  void unusable_jsonCutAtTheReadBound_saysItWasTooLargeNotThatItIsNoJson() {
    String cut = "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"" + "A".repeat(256 * 1024);

    assertThat(ClientCredentialsGrant.unusable(cut))
        .isEqualTo("a JSON answer of 256 KiB or more, cut there (a token answer is a few KiB)");
    assertThat(ClientCredentialsGrant.unusable("{\"access_token\":\"abc")).isEqualTo("an answer that is not JSON");
  }
}
