package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ServiceLoader;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/** Descriptor settings: every key read, every problem reported at once, secrets never shown. */
class HttpsSinkProviderTest {
  private static final String SECRET = WebhookVectorsTest.SECRET;

  @Test
  void serviceLoader_findsHttpsProvider() {
    assertThat(ServiceLoader.load(LeadSinkProvider.class).stream().map(p -> p.get().type()))
        .contains("https");
  }

  @Test
  void create_everySetting_isRead() {
    String next = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    OkHttpClient shared = new OkHttpClient();
    HttpsSink sink = (HttpsSink) new HttpsSinkProvider().create(SinkConfig.builder("hooks", "https")
        .put("url", "https://hooks.example.com/leads")
        .secret("signingSecret", Secret.of(next + "  " + SECRET))
        .put("headers.X-Source", "leadrouter")
        .secret("secretHeaders.X-Api-Key", Secret.of("k-123"))
        .put("connectTimeout", "2s").put("callTimeout", "15s")
        .put("allowedHosts", "crm.internal, 10.0.0.7").put("allowHttpHosts", "crm.internal")
        .put("maxConcurrency", "12")
        .resource(OkHttpClient.class, shared)
        .build());
    HttpsConfig c = sink.config();
    assertThat(c.signingSecrets()).hasSize(2);
    assertThat(c.headers()).containsEntry("X-Source", "leadrouter");
    assertThat(c.secretHeaders()).containsOnlyKeys("X-Api-Key");
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.callTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.allowedHosts()).containsExactly("crm.internal", "10.0.0.7");
    assertThat(c.allowHttpHosts()).containsExactly("crm.internal");
    assertThat(sink.capabilities().maxConcurrency()).isEqualTo(12);
    assertThat(shared.dispatcher().getMaxRequestsPerHost())
        .as("the application's dispatcher is left alone: the sink derives its own, sized 12 (lead-http)")
        .isEqualTo(5);
  }

  @Test
  void create_manyProblems_reportsAllAtOnceWithoutSecrets() {
    SinkConfig config = SinkConfig.builder("hooks", "https")
        .put("url", "http://hooks.example.com/leads?token=t0k3n")
        .secret("signingSecret", Secret.of("whsec_c2hvcnQ="))
        .put("headers.Content-Type", "text/plain")
        .secret("secretHeaders.X-Api-Key", Secret.of("bad\nvalue-s3cr3t"))
        .put("callTimeout", "soon")
        .put("maxConcurency", "3")
        .build();
    assertThatThrownBy(() -> new HttpsSinkProvider().create(config))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration (6 problems):\n"
            + "  - sinks.hooks.callTimeout: 'soon' is not a duration (write e.g. 500ms, 30s, 5m, 2h, 1d or PT30S)\n"
            + "  - sinks.hooks.url: uses plain http to hooks.example.com: leads would travel unencrypted (use https://,"
            + " or list hooks.example.com in allowHttpHosts for a trusted internal receiver)\n"
            + "  - sinks.hooks.signingSecret: the secret decodes to 5 bytes; Standard Webhooks keys are 24 to 64"
            + " random bytes (use whsec_ + base64 of 24 to 64 random bytes, e.g. from: openssl rand -base64 32)\n"
            + "  - sinks.hooks.headers.Content-Type: is set by the sink itself (remove it)\n"
            + "  - sinks.hooks.secretHeaders.X-Api-Key: is not a valid header value (use printable ASCII on one line)\n"
            + "  - sinks.hooks.maxConcurency: is not a setting of the https sink (did you mean 'maxConcurrency'? "
            + "otherwise remove it)")
        .message().doesNotContain("t0k3n").doesNotContain("s3cr3t");
  }

  @Test
  void create_missingUrlAndSecret_reportsBoth() {
    assertThatThrownBy(() -> new HttpsSinkProvider().create(SinkConfig.builder("hooks", "https").build()))
        .hasMessage("invalid configuration (2 problems):\n"
            + "  - sinks.hooks.url: is required (set url to an https:// URL)\n"
            + "  - sinks.hooks.signingSecret: is required (set signingSecret as ${ENV_VAR} or ${file:/path/to/file}"
            + " holding whsec_ + base64 of 24 to 64 random bytes)");
  }

  @Test
  void create_inlineSigningSecret_isRefused() {
    assertThatThrownBy(() -> new HttpsSinkProvider().create(SinkConfig.builder("hooks", "https")
        .put("url", "https://hooks.example.com/leads").put("signingSecret", SECRET).build()))
        .hasMessage("invalid configuration: sinks.hooks.signingSecret: is a secret and must not be written inline"
            + " (write it as ${ENV_VAR} or ${file:/path/to/file})");
  }

  @Test
  void builder_withoutUrlOrSecret_failsInBuildListingBoth() {
    assertThatThrownBy(() -> HttpsSink.builder().maxConcurrency(0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration (3 problems):\n"
            + "  - url: is required (set url to an https:// URL)\n"
            + "  - signingSecret: is required (set signingSecret as ${ENV_VAR} or ${file:/path/to/file} holding"
            + " whsec_ + base64 of 24 to 64 random bytes)\n"
            + "  - maxConcurrency: 0 is out of range (use a value from 1 to 256)");
  }

  @Test
  void builder_urlSetLater_isTheSameAsTheUrlFactory() {
    URI url = URI.create("https://hooks.example.com/leads");
    HttpsConfig viaSetter = HttpsSink.builder().url(url).signingSecret(Secret.of(SECRET)).config();
    HttpsConfig viaFactory = HttpsSink.builder(url).signingSecret(Secret.of(SECRET)).config();
    assertThat(viaSetter.toString()).isEqualTo(viaFactory.toString());
    assertThat(viaSetter.url()).isEqualTo(url);
  }
}
