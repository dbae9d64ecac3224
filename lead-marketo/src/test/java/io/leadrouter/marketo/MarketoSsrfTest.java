package io.leadrouter.marketo;

import org.junit.jupiter.params.provider.FieldSource;
import java.util.List;
import io.leadrouter.testkit.MetadataSpellings;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.ConnectionTrap;
import io.leadrouter.testkit.LoopbackSpellings;
import java.net.URI;
import okhttp3.OkHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard on the Marketo client: an address that is never a cloud API's (here the unspecified address,
 * which reaches this machine) is refused, permanently, whether the URL spells it or DNS answers it; the client
 * secret (a query parameter of the identity call) never leaves.
 */
class MarketoSsrfTest {
  @ParameterizedTest
  @ValueSource(strings = {"123-abc-456.mktorest.test", "0", "0x0", "[::ffff:0:0]"})
  void deliver_hostReachingTheUnspecifiedAddress_isRefusedAndNeverConnects(String host) {
    try (ConnectionTrap trap = ConnectionTrap.open(); MarketoSink sink = sinkAt(host, trap)) {
      Diagnosis d = trap.refusedWithoutConnecting(sink, "MARKETO_BLOCKED_ADDRESS");
      assertThat(d.message()).startsWith("Marketo identity endpoint: ").contains("unspecified")
          .doesNotContain(FakeMarketo.CLIENT_SECRET);
      assertThat(d.remediation()).startsWith("correct identity or the DNS entry of ");
    }
  }

  /** A sink with its endpoints at {@code host} on the trap's port; its resolver answers 0.0.0.0 for every name. */
  private static MarketoSink sinkAt(String host, ConnectionTrap trap) {
    String base = "https://" + host + ":" + trap.port();
    OkHttpClient everyNameIsZero = new OkHttpClient.Builder().dns(ConnectionTrap::unspecifiedAddress).build();
    return MarketoSink.builder().endpoint(URI.create(base + "/rest")).identity(URI.create(base + "/identity"))
        .clientId(FakeMarketo.CLIENT_ID).clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET))
        .httpClient(everyNameIsZero).build();
  }

  @ParameterizedTest
  @FieldSource("io.leadrouter.testkit.MetadataSpellings#HOSTS")
  void deliver_endpointsSpellingTheMetadataAddress_areRefusedNamingTheSetting(String host) {
    MetadataSpellings.assertRefused(() -> MarketoSink.builder().endpoint(URI.create("https://" + host + "/rest"))
        .identity(URI.create("https://" + host + "/identity")).clientId(FakeMarketo.CLIENT_ID)
        .clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET)).build(), "MARKETO_BLOCKED_ADDRESS",
        List.of("endpoint", "identity"));
  }

  /** A URL refused at build is named without the password its user info carries. */
  @org.junit.jupiter.api.Test
  void build_urlWithAPassword_isRefusedWithoutShowingIt() {
    String base = "http://admin:Pw4Leak9xyz@123-abc-456.mktorest.com";
    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> MarketoSink.builder()
        .endpoint(URI.create(base + "/rest")).identity(URI.create(base + "/wrong")).clientId(FakeMarketo.CLIENT_ID)
        .clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET)).build());
    assertThat(e).isInstanceOf(io.leadrouter.ConfigurationException.class);
    assertThat(e.getMessage()).contains("endpoint", "identity", "123-abc-456.mktorest.com")
        .doesNotContain("Pw4Leak9xyz");
  }

  /** Plain http only to a test fake on this machine, however the URL spells it ({@code LOCALHOST}, {@code [::1]}). */
  @org.junit.jupiter.api.Test
  void build_plainHttp_isAllowedToThisMachineOnly() {
    LoopbackSpellings.assertPlainHttpOnlyToThisMachine(url -> MarketoSink.builder().endpoint(url.resolve("/rest"))
        .identity(url.resolve("/identity")).clientId(FakeMarketo.CLIENT_ID)
        .clientSecret(Secret.of(FakeMarketo.CLIENT_SECRET)).build(), "is not an https:// URL");
  }
}
