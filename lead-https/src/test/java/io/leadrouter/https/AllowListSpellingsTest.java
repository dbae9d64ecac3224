package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.ConfigurationException;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.ConnectionTrap;
import io.leadrouter.testkit.SampleLeads;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Odd spellings of hosts in {@code allowedHosts} and {@code allowHttpHosts}: two spellings of one host (Unicode and
 * {@code xn--}, letter case, a trailing dot, full-width characters) compare equal, so a listed receiver is reached;
 * and no spelling of another host, nor any spelling of this machine, passes because a listed name normalises close to
 * it. The resolver is hostile: it answers 127.0.0.1 for every name, so only the allow-list stands between a URL and
 * this machine.
 */
class AllowListSpellingsTest {
  private static final Secret SECRET = Secret.of(WebhookReceiverFake.SECRET);
  @RegisterExtension
  static final WebhookReceiverFake receiver = new WebhookReceiverFake();

  /** Every name resolves to this machine, as a hijacked resolver would answer. */
  private static OkHttpClient everyNameIsLoopback() {
    return new OkHttpClient.Builder().dns(host -> List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})))
        .build();
  }

  @ParameterizedTest(name = "url host {0}, listed as {1}")
  @CsvSource(delimiter = '|', value = {
      "bücher.example            | Bücher.Example",
      "xn--bcher-kva.example     | bücher.example.",
      "BÜCHER.example            | XN--BCHER-KVA.EXAMPLE",
      "münchen\u3002example      | xn--mnchen-3ya.example",
      "crm.example.com.          | crm.example.com",
      "CRM.Example.COM           | crm.example.com.",
      "\uff43rm\uff0eexample.com | CRM.EXAMPLE.COM",
      "crm.example.com           | \uff43\uff52\uff4d.example.com",
      "127.0.0.1                 | \uff11\uff12\uff17\uff0e0\uff0e0\uff0e1",
      "[::ffff:127.0.0.1]        | 127.0.0.1",
      "127.0.0.1                 | 2130706433",
      "0x7f.0.0.1                | [::ffff:7f00:1]",
  })
  void deliver_listedHostSpelledOtherwise_isReached(String urlHost, String listed) throws Exception {
    HttpsSink sink = HttpsSink.builder(URI.create("http://" + urlHost + ":" + receiver.server.port()
            + WebhookReceiverFake.PATH)).signingSecret(SECRET)
        .secretHeader("X-Api-Key", Secret.of(WebhookReceiverFake.API_KEY))
        .allowHost(listed).allowHttpHost(listed).client(everyNameIsLoopback()).build();

    assertThat(sink.deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(receiver.requests()).hasSize(1);
  }

  @Test
  void deliver_otherHostsSpelledCloseToAListedOne_neverConnect() {
    List<String> spellings = List.of(
        // homoglyphs of the listed name (Cyrillic а, its xn-- form, a Greek ο), and names around it
        "\u0430llowed.example", "xn--llowed-2nf.example", "allowed.example\u0455", "all\u03bfwed.example",
        "allowed.example.attacker.test", "attacker-allowed.example", "allowedexample", "allowed.exampl",
        "allowed.example..", "allowed.example.localhost",
        // user info, backslashes and escapes around the listed name, reaching this machine
        "allowed.example@127.0.0.1", "allowed.example%40127.0.0.1", "allowed.example\\@127.0.0.1",
        "127.0.0.1\\@allowed.example", "allowed.example%2F@127.0.0.1",
        // this machine, spelled as the normalisation reads names: a trailing dot, case, full width, IDN dots
        "127.0.0.1.", "LOCALHOST.", "localhost", "\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11",
        "127\u30020\u30020\u30021", "0x7f.1", "0X7F.1.", "2130706433", "2130706433.", "[::ffff:127.0.0.1]",
        "%31%32%37.0.0.1", "\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54");
    Map<String, String> notRefused = new LinkedHashMap<>();
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      for (String host : spellings) {
        String outcome = attempt(host, trap.port());
        if (!outcome.equals("HTTPS_BLOCKED_ADDRESS") && !outcome.equals("refused at configuration")) {
          notRefused.put(host, outcome);
        }
      }
      assertThat(notRefused).as("spellings let through although not listed").isEmpty();
      assertThat(trap.accepted(200)).as("connections that reached this machine").isZero();
    }
  }

  /** Delivers over https to {@code host} with {@code allowed.example} listed in both lists, in odd spellings. */
  private static String attempt(String host, int port) {
    return SsrfSpellingsTest.outcome(() -> HttpsSink.builder(URI.create("https://" + host + ":" + port + "/hook"))
        .signingSecret(SECRET).allowHost("Allowed.Example.").allowHost("ALLOWED.EXAMPLE")
        .allowHttpHost("allowed.example")
        .connectTimeout(Duration.ofSeconds(2)).callTimeout(Duration.ofSeconds(3)).client(everyNameIsLoopback())
        .build());
  }

  @Test
  void build_entriesThatAreNoExactHost_areEachRefusedNamingTheSettingAndTheFix() {
    ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () ->
        HttpsSink.builder(URI.create("https://hooks.example.com/leads")).signingSecret(SECRET)
            .allowHost("crm.example.com:8443").allowHost("https://crm.example.com/leads")
            .allowHost("svc-user@crm.example.com").allowHost("*.example.com").allowHost("10.0.0.0/8")
            .allowHost("straße.example").allowHost("%61llowed.example").allowHost("crm example com")
            .allowHost("0177.0.0.1").allowHost("crm.example.com;10.0.0.7")
            .allowHttpHost("[::1]:8080").allowHttpHost("crm.example.com.:80")
            .build());

    assertThat(e).isNotNull();
    assertThat(e.problems()).extracting(Object::toString).containsExactly(
        "allowedHosts: 'crm.example.com:8443' has a port (list the host only, crm.example.com: a listed host is"
            + " allowed on every port)",
        "allowedHosts: holds a URL, not a host (list its host only: crm.example.com)",
        "allowedHosts: holds user info (name@host), not a host (list the host only: crm.example.com)",
        "allowedHosts: '*.example.com' is a pattern or range, not a host (list each host name or IP address exactly:"
            + " allow-lists take no wildcards or CIDR ranges)",
        "allowedHosts: '10.0.0.0/8' is a pattern or range, not a host (list each host name or IP address exactly:"
            + " allow-lists take no wildcards or CIDR ranges)",
        "allowedHosts: 'straße.example' is read as xn--strae-oqa.example in a URL but compared as straße.example"
            + " by the address guard (write it as xn--strae-oqa.example)",
        "allowedHosts: '%61llowed.example' is read as allowed.example in a URL but compared as %61llowed.example"
            + " by the address guard (write it as allowed.example)",
        "allowedHosts: 'crm example com' is not a host name or IP address (list host names or IP addresses"
            + " exactly, separated by commas, e.g. crm.example.com, 10.0.0.7)",
        "allowedHosts: '0177.0.0.1' reads as 127.0.0.1 or as 177.0.0.1 depending on the resolver (a leading zero is"
            + " octal to some) (write the address in dotted decimal without leading zeros)",
        "allowedHosts: 'crm.example.com;10.0.0.7' is not a host name or IP address (list host names or IP addresses"
            + " exactly, separated by commas, e.g. crm.example.com, 10.0.0.7)",
        "allowHttpHosts: '[::1]:8080' has a port (list the host only, [::1]: a listed host is allowed on every"
            + " port)",
        "allowHttpHosts: 'crm.example.com.:80' has a port (list the host only, crm.example.com.: a listed host is"
            + " allowed on every port)");
  }

  /**
   * The guard's one normalisation reads a name as the HTTP client reads it in a URL (so equal hosts compare equal),
   * and leaves a name the two IDNA standards read apart unconverted, matching no host at all rather than the other
   * host IDNA 2003 names ({@code straße} is not {@code strasse}).
   */
  @ParameterizedTest
  @ValueSource(strings = {"Bücher.Example.", "MÜNCHEN\u3002de", "\uff43rm\uff0eexample.com", "xn--bcher-kva.example",
      "\u0430llowed.example", "caf\u00e9.example", "\u0391\u0398\u0397\u039d\u0391.gr", "ex\u00adample.com",
      "\u00ea\u0301.example", "example.\u00e7om"})
  void canonicalHost_readsNamesAsTheHttpClientDoes(String host) {
    String client = HttpUrl.get("http://" + host + "/").host();
    assertThat(AddressGuard.canonicalHost(host)).isEqualTo(AddressGuard.canonicalHost(client));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "straße.example   | strasse.example",
      "ς.example        | σ.example",
      "a\u200db.example | ab.example",
      "a\u200cb.example | ab.example"})
  void canonicalHost_nameTheIdnaStandardsReadApart_matchesNoHost(String host, String idna2003Reading) {
    String canonical = AddressGuard.canonicalHost(host);
    assertThat(canonical).isNotEqualTo(AddressGuard.canonicalHost(HttpUrl.get("http://" + host + "/").host()))
        .isNotEqualTo(AddressGuard.canonicalHost(idna2003Reading))
        .isNotEqualTo(AddressGuard.canonicalHost(java.net.IDN.toASCII(host)));
    assertThat(canonical.chars().anyMatch(c -> c >= 0x80)).as("left unconverted: no ASCII host equals it").isTrue();
  }
}
