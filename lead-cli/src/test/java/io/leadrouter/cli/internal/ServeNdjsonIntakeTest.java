package io.leadrouter.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.LeadRouter;
import io.leadrouter.file.FileSink;
import io.leadrouter.https.WebhookSigner;
import io.leadrouter.https.WebhookVerifier;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.Secret;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * NDJSON bodies against {@code serve} over real sockets: they must be the same leads as the same bytes sent as JSON
 * (a signed post replayed with the other {@code Content-Type}, which the signature does not cover, was a second lead)
 * and as {@code route} reads a file's lines (a line holding a JSON array was quarantined whole).
 */
@Timeout(120)
class ServeNdjsonIntakeTest {
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String TOKEN = "unit-token-5d1a7f20";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();

  @TempDir
  Path dir;

  @Test
  void signedLeadReplayedAsNdjson_orFirstSentAsNdjson_isOneLeadUnderItsWebhookId() throws Exception {
    String body = "{\"UserDetails\":{\"FirstName\":\"Ana\",\"Email\":\"ana@contoso.com\",\"Country\":\"BR\"},"
        + "\"LeadSource\":\"SPZA-Create|contoso.crm\",\"OfferTitle\":\"CRM\"}";
    try (LeadRouter router = router(); LeadServer server = serve(router)) {
      String base = "http://127.0.0.1:" + server.port();
      for (String[] order : new String[][] {{"application/json", "application/x-ndjson"},
          {"application/x-ndjson", "application/json"}}) {
        String id = "msg-" + order[0].length();
        String lead = body.replace("Ana", "Ana" + order[0].length()) + "\n";
        long now = Instant.now().getEpochSecond();
        String signature = WebhookSigner.of(Secret.of(SECRET)).sign(id, now, lead.getBytes(StandardCharsets.UTF_8));
        JsonNode first = signed(http, base, order[0], id, now, signature, lead);
        JsonNode replay = signed(http, base, order[1], id, now, signature, lead);

        assertThat(leadId(first)).as("sent as %s: %s", order[0], first).isEqualTo(id);
        assertThat(leadId(replay)).as("replayed as %s, a header the signature does not cover: %s", order[1], replay)
            .isEqualTo(id);
        assertThat(duplicate(replay)).as("the replay is the lead already taken: %s", replay).isTrue();
      }
      assertThat(router.counts().get("local").values().stream().mapToLong(Long::longValue).sum())
          .as("leads in the journal for the destination: %s", router.counts()).isEqualTo(2);
    }
  }

  @Test
  void ndjsonLineHoldingAnArray_isOneLeadPerElement_theLeadsTheSameArraySentAsJsonIs() throws Exception {
    String ana = "{\"UserDetails\":{\"Email\":\"ana@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\"}";
    String bob = ana.replace("ana@", "bob@");
    String cy = ana.replace("ana@", "cy@");
    String array = "[" + ana + ", " + bob + "]";
    try (LeadRouter router = router(); LeadServer server = serve(router)) {
      String base = "http://127.0.0.1:" + server.port();
      JsonNode lines = post(http, base, "application/x-ndjson", array + "\n\n" + cy + "\n[]\n");
      JsonNode elements = post(http, base, "application/json", array);

      assertThat(lines.get("accepted").asInt()).as("%s", lines).isEqualTo(3);
      assertThat(lines.get("quarantined").asInt()).as("%s", lines).isZero();
      JsonNode first = lines.get("lines").get(0);
      JsonNode second = lines.get("lines").get(1);
      assertThat(first.get("line").asInt()).isEqualTo(1);
      assertThat(first.get("index").asInt()).isZero();
      assertThat(second.get("line").asInt()).isEqualTo(1);
      assertThat(second.get("index").asInt()).isEqualTo(1);
      assertThat(lines.get("lines").get(2).get("line").asInt()).isEqualTo(3);
      assertThat(lines.get("lines").get(2).has("index")).isFalse();
      assertThat(elements.get("elements").get(0).get("leadId")).isEqualTo(first.get("leadId"));
      assertThat(elements.get("elements").get(1).get("leadId")).isEqualTo(second.get("leadId"));
      assertThat(elements.get("elements").findValuesAsText("duplicate")).containsExactly("true", "true");
      assertThat(router.counts().get("local").values().stream().mapToLong(Long::longValue).sum())
          .as("leads in the journal for the destination: %s", router.counts()).isEqualTo(3);
    }
  }

  private LeadRouter router() throws java.io.IOException {
    return LeadRouter.builder().journal(InMemoryJournal.create()).addSink("local", FileSink.open(dir.resolve("out")))
        .defaultRoute("local").build();
  }

  private static LeadServer serve(LeadRouter router) throws java.io.IOException {
    WebhookVerifier verifier = WebhookVerifier.builder().secret(Secret.of(SECRET)).build();
    return LeadServer.start(new InetSocketAddress("127.0.0.1", 0), new LeadReceiver(router, Optional.of(TOKEN),
        Optional.of(verifier), 65536, new EventPrinter(new PrintWriter(Writer.nullWriter()))), LeadServer.Limits.DEFAULTS);
  }

  private static JsonNode post(HttpClient http, String base, String type, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/leads/" + TOKEN)).timeout(WAIT)
        .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return JSON.readTree(r.body());
  }

  private static JsonNode signed(HttpClient http, String base, String type, String id, long timestamp,
      String signature, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/leads")).timeout(WAIT)
        .header("Content-Type", type).header("webhook-id", id).header("webhook-timestamp", Long.toString(timestamp))
        .header("webhook-signature", signature).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return JSON.readTree(r.body());
  }

  /** The one lead of an answer, whether it is a single lead's or an NDJSON body's. */
  private static String leadId(JsonNode answer) {
    return (answer.has("lines") ? answer.get("lines").get(0) : answer).get("leadId").asText();
  }

  private static boolean duplicate(JsonNode answer) {
    return (answer.has("lines") ? answer.get("lines").get(0) : answer).get("duplicate").asBoolean();
  }
}
