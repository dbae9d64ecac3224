package io.leadrouter.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.LeadRouter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The example starts with its own application.yml and has the router it describes. */
class LeadIntakeApplicationTest {
  @TempDir Path dir;

  /** The example on a free loopback port, its journal and file sink in {@link #dir}. */
  private ConfigurableApplicationContext start() {
    return SpringApplication.run(LeadIntakeApplication.class, "--server.port=0", "--server.address=127.0.0.1",
        "--leadrouter.journal.path=" + dir.resolve("leadrouter.db"),
        "--leadrouter.sinks.local.path=" + dir.resolve("leads.ndjson"));
  }

  @Test
  void starts_withTheRouterOfApplicationYml() {
    try (ConfigurableApplicationContext context = start()) {
      assertThat(context.getBean(LeadRouter.class).destinations()).containsExactly("local");
    }
  }

  @Test
  void aBodyThatCannotBeReadUnambiguously_orLabelledOtherwise_isKept_andAnswered2xx() throws Exception {
    try (ConfigurableApplicationContext context = start()) {
      String port = context.getEnvironment().getProperty("local.server.port");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      // two Email members: which one is the customer's would be a guess, and the marketplace never sends it again
      String ambiguous = "{\"UserDetails\":{\"FirstName\":\"Jane\",\"Email\":\"jane@contoso.com\","
          + "\"Email\":\"other@contoso.com\",\"Country\":\"US\"},"
          + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm-connector\",\"OfferTitle\":\"Contoso CRM\"}";
      HttpResponse<String> kept = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/leads"))
          .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString(ambiguous)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(kept.statusCode()).as(kept.body()).isEqualTo(202);
      assertThat(kept.body()).startsWith("quarantined ");
      LeadRouter router = context.getBean(LeadRouter.class);
      assertThat(router.quarantineCount()).isEqualTo(1);

      String lead = ambiguous.replace(",\"Email\":\"other@contoso.com\"", "");
      HttpResponse<String> routed = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/leads")).header("Content-Type", "text/plain").timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString(lead)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(routed.statusCode()).as(routed.body()).isEqualTo(202);
      assertThat(router.journal().deliveries(io.leadrouter.LeadId.of(routed.body()))).isNotEmpty();
    }
  }

  /**
   * A body over the codec's limit, declared or streamed without a length (chunked): answered 413 naming the limit,
   * read no further than the limit. Before, {@code @RequestBody byte[]} read any length into memory.
   */
  @Test
  void aBodyOverTheLimit_declaredOrChunked_isAnswered413_namingTheLimit() throws Exception {
    try (ConfigurableApplicationContext context = start()) {
      URI leads = URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port")
          + "/leads");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      int max = io.leadrouter.MarketplaceCodec.standard().maxBodyBytes();
      byte[] over = new byte[max + 1];
      java.util.Arrays.fill(over, (byte) ' ');
      HttpResponse<String> declared = http.send(HttpRequest.newBuilder(leads).timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofByteArray(over)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(declared.statusCode()).as(declared.body()).isEqualTo(413);
      assertThat(declared.body()).isEqualTo("the body is " + (max + 1) + " bytes over the limit of " + max
          + " bytes: a marketplace lead is a few KiB; check what is sent");
      // no Content-Length: 8 MiB streamed in chunks, stopped at the limit
      HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(leads).timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.InputStream() {
            private long left = 8L << 20;

            @Override
            public int read() {
              return left-- > 0 ? ' ' : -1;
            }
          })).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(413);
      assertThat(chunked.body()).startsWith("the body is over the limit of " + max + " bytes");
      assertThat(context.getBean(LeadRouter.class).quarantineCount()).as("nothing stored").isZero();
    }
  }
}
