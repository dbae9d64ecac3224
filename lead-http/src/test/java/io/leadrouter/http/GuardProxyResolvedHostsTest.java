package io.leadrouter.http;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.spi.AddressGuard;
import java.time.Duration;
import java.util.Set;
import okhttp3.OkHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link HttpClients#guard} with hosts the proxy resolves: only external host names are taken, so that the opt-out
 * from pinning never sends the proxy an address spelling the guard would judge, nor this machine's own name (the
 * tunnels themselves are tested against recording proxies in lead-https, SsrfProxyByNameTest).
 */
class GuardProxyResolvedHostsTest {
  private static OkHttpClient.Builder guarded(String entry) {
    return HttpClients.guard(HttpClients.builder(null, Duration.ofSeconds(5), Duration.ofSeconds(5), 1), null,
        AddressGuard.strict(), Set.of(entry));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      "  "                         | an entry is blank
      10.0.0.7                     | '10.0.0.7' is an IP address, not a name
      2130706433                   | '2130706433' is an IP address, not a name
      0x7f.1                       | '0x7f.1' is an IP address, not a name
      [::1]                        | '[::1]' is an IP address, not a name
      169.254.169.254.             | '169.254.169.254.' is an IP address, not a name
      LocalHost.                   | 'LocalHost.' names the machine that resolves it
      api.localhost                | 'api.localhost' names the machine that resolves it
      https://hooks.example.com/x  | 'https://hooks.example.com/x' is not a host name
      hooks.example.com:443        | 'hooks.example.com:443' is not a host name
      *.example.com                | '*.example.com' is not a host name
      """)
  void guard_proxyResolvedHosts_refusesWhatIsNoExternalHostName(String entry, String said) {
    assertThatThrownBy(() -> guarded(entry)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("proxyResolvedHosts: " + said);
  }

  @ParameterizedTest
  @ValueSource(strings = {"hooks.example.com", "HOOKS.Example.COM.", "bücher.example", "under_score.example"})
  void guard_proxyResolvedHosts_takesHostNamesInTheSpellingsAnAllowListFolds(String entry) {
    assertThatCode(() -> guarded(entry)).doesNotThrowAnyException();
  }
}
