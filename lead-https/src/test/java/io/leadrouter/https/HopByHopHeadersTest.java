package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.ConfigurationException;
import io.leadrouter.spi.Secret;
import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Static headers that change how the connection or the message is framed are refused, in any case and spelling, as
 * plain and as secret headers: {@code Upgrade} (a receiver or a proxy switching protocols mid-connection),
 * {@code TE}, {@code Expect} (OkHttp then waits for a 100 before sending the body), {@code Keep-Alive},
 * {@code Trailer}, {@code Proxy-*} (a credential for, or an instruction to, a proxy the application did not set),
 * {@code HTTP2-Settings}, besides the framing headers the sink sets itself. Before, the first ones were sent as set.
 */
class HopByHopHeadersTest {
  private static final Secret SECRET = Secret.of(WebhookReceiverFake.SECRET);

  @ParameterizedTest
  @ValueSource(strings = {"Upgrade", "upgrade", "UPGRADE", "TE", "te", "Te", "Expect", "EXPECT", "Keep-Alive",
      "keep-alive", "Trailer", "Proxy-Authorization", "proxy-authorization", "Proxy-Connection", "Proxy-Authenticate",
      "Proxy-Anything", "HTTP2-Settings", "Connection", "CONNECTION", "Transfer-Encoding", "transfer-encoding",
      "Host", "HOST", "Content-Length", "content-length"})
  void aHopByHopOrFramingHeader_isRefused_asPlainAndAsSecretHeader(String name) {
    for (boolean secret : new boolean[] {false, true}) {
      HttpsSink.Builder b = HttpsSink.builder(URI.create("https://hooks.example.com/leads")).signingSecret(SECRET);
      if (secret) {
        b.secretHeader(name, Secret.of("v"));
      } else {
        b.header(name, "v");
      }
      ConfigurationException e = catchThrowableOfType(ConfigurationException.class, b::build);
      String key = (secret ? "secretHeaders." : "headers.") + name;
      assertThat(e).as(key + " refused").isNotNull();
      assertThat(e.getMessage()).contains(key + ": ").containsAnyOf("is set by the sink itself",
          "is a hop-by-hop header");
    }
  }

  /** Odd white space or look-alike letters around a forbidden name: no valid header name, refused as such. */
  @ParameterizedTest
  @ValueSource(strings = {" Upgrade", "Upgrade ", "Upgrade\t", "\tTE", "Ex pect", "Keep-Alive\u00a0",
      "Upgr\u0430de", "Host\r", "Transfer-Encoding\n", "Expect:"})
  void aForbiddenNameWithOddWhiteSpace_isRefused(String name) {
    ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
        () -> HttpsSink.builder(URI.create("https://hooks.example.com/leads")).signingSecret(SECRET)
            .header(name, "v").build());
    assertThat(e).as("'" + name + "' refused").isNotNull();
    assertThat(e.getMessage()).contains("is not a valid header name");
  }
}
