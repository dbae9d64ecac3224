package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.RouterDescriptor.Format;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Scrubber;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A setting given as a {@code ${VAR}} reference is a secret only where it is one. A URL read from {@code ${CRM_URL}}
 * became a live secret, so every later message that named it (a connection refused, a dead letter's Diagnosis) read
 * {@code [redacted]}: the operator could not see which URL failed. Now such a value is a secret when the sink reads
 * it as one, when the variable is named like a secret, or when it comes from a file; otherwise only its credentials
 * (user info, credential-named query parameters) are.
 */
class ReferencedSettingsTest {
  @TempDir Path dir;

  /** A provider reading {@code url} as a URL and {@code clientSecret} as a secret, as the CRM sinks do. */
  private static final class CrmProvider implements LeadSinkProvider {
    final AtomicReference<URI> url = new AtomicReference<>();
    final AtomicReference<Secret> secret = new AtomicReference<>();

    @Override
    public String type() {
      return "crm";
    }

    @Override
    public LeadSink create(SinkConfig config) {
      config.optionalUri("url").ifPresent(url::set);
      config.optionalSecret("clientSecret").ifPresent(secret::set);
      config.validate();
      return LambdaSink.of(lead -> DeliveryResult.created("rec-1"));
    }
  }

  private CrmProvider build(String yaml, Map<String, String> variables) {
    CrmProvider provider = new CrmProvider();
    RouterDescriptor descriptor = RouterDescriptor.parse(yaml, Format.YAML, dir,
        name -> Optional.ofNullable(variables.get(name)));
    LeadRouter router = LeadRouter.builder(descriptor).addProvider(provider).build();
    router.close();
    return provider;
  }

  private static String sink(String url, String secret) {
    return "journal: {type: memory}\nsinks:\n  crm:\n    type: crm\n    url: \"" + url + "\"\n    clientSecret: \""
        + secret + "\"\ndefault: [crm]\n";
  }

  @Test
  void aUrlFromAPlainVariable_staysReadableInMessages_butItsCredentialsAreRedacted() {
    String url = "https://crm-user:Pa55-w0rd-9f2k@crm.contoso.example/api/leads?tenant=contoso&sig=Zm9vYmFyYmF6cXV4";
    CrmProvider crm = build(sink("${CRM_URL}", "${CRM_CS}"), Map.of("CRM_URL", url, "CRM_CS", "cs-0123456789abcdef"));
    assertThat(crm.url.get()).hasToString(url);
    String shown = Scrubber.standard().scrub("POST https://crm.contoso.example/api/leads?tenant=contoso failed:"
        + " connection refused");
    assertThat(shown).as("the URL without its credentials is no secret")
        .isEqualTo("POST https://crm.contoso.example/api/leads?tenant=contoso failed: connection refused");
    assertThat(Scrubber.standard().scrub("auth failed for password Pa55-w0rd-9f2k and signature Zm9vYmFyYmF6cXV4"))
        .as("its credentials are, wherever they show").doesNotContain("Pa55-w0rd-9f2k")
        .doesNotContain("Zm9vYmFyYmF6cXV4");
    assertThat(Scrubber.standard().scrub("the CRM answered: invalid client cs-0123456789abcdef"))
        .as("a value the sink reads as a secret is one, whatever its variable is called")
        .doesNotContain("cs-0123456789abcdef");
  }

  @Test
  void aUrlFromAVariableNamedLikeASecret_orFromAFile_isSecretWhole() throws Exception {
    String named = "https://hooks.contoso.example/services/T0001/B0002/hookpathtoken1";
    build(sink("${HOOK_TOKEN_URL}", "${CRM_CS}"), Map.of("HOOK_TOKEN_URL", named, "CRM_CS", "cs-0123456789abcdef"));
    assertThat(Scrubber.standard().scrub("POST " + named + " failed")).doesNotContain("hookpathtoken1");
    String inFile = "https://files.contoso.example/services/T0003/B0004/filepathtoken2";
    Files.writeString(dir.resolve("hook-url"), inFile);
    build(sink("${file:hook-url}", "${CRM_CS}"), Map.of("CRM_CS", "cs-0123456789abcdef"));
    assertThat(Scrubber.standard().scrub("POST " + inFile + " failed")).doesNotContain("filepathtoken2");
  }

  @Test
  void aReferencedValueThatIsWrong_isNamedByItsReference_neverQuoted() {
    assertThatThrownBy(() -> build(sink("${CRM_URL}", "${CRM_CS}"), Map.of("CRM_URL", "crm.contoso.example/leads",
        "CRM_CS", "cs-0123456789abcdef")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("sinks.crm.url: the value from ${CRM_URL} is not an absolute URL")
        .hasMessageNotContaining("crm.contoso.example/leads");
  }

  @Test
  void aSecretWrittenInline_isStillRefused_aReferencedOneIsNot() {
    assertThatThrownBy(() -> build(sink("https://crm.contoso.example", "cs-inline-0123456789"), Map.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("sinks.crm.clientSecret: is a secret and must not be written inline")
        .hasMessageNotContaining("cs-inline-0123456789");
    CrmProvider crm = build(sink("https://crm.contoso.example", "${CRM_CS}"), Map.of("CRM_CS", "cs-9876543210fedcba"));
    assertThat(crm.secret.get().reveal()).isEqualTo("cs-9876543210fedcba");
    assertThat(crm.secret.get()).hasToString("Secret[******]");
  }
}
