package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hostile intake audit (third), on the real jar: a JSON array of leads posted to {@code serve} or fed to {@code route}
 * is each element its own lead (an unreadable element quarantined alone), and a body in the charset its request
 * declares is read as that. Each failed before: the array was one quarantined payload, the declared windows-1252
 * body PAYLOAD_INVALID_UTF8.
 */
class IntakeShapesIT extends ServeITBase {
  private static final String ANN = "{\"UserDetails\":{\"FirstName\":\"Ann\",\"Email\":\"ann@contoso.com\"},"
      + "\"LeadSource\":\"SPZA-Create|contoso.crm\"}";
  private static final String BOB = "{\"UserDetails\":{\"FirstName\":\"Bob\",\"Email\":\"bob@contoso.com\"},"
      + "\"LeadSource\":\"SPZA-Create|contoso.crm\"}";
  private static final String TWICE = "{\"UserDetails\":{\"Email\":\"a@contoso.com\",\"EMAIL\":\"b@contoso.com\"},"
      + "\"LeadSource\":\"SPZA-Create|contoso.crm\"}";

  @Test
  void serve_aJsonArray_isEachElementItsOwnLead_andTheAnswerCountsThem() throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    String url = s.url("/leads/" + TOKEN);

    HttpResponse<String> r = Jar.post(url, "[" + ANN + ",\n " + TWICE + ", \"lead\", " + BOB + "]");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    JsonNode answer = Jar.json(r.body());
    assertThat(answer.get("accepted").asInt()).isEqualTo(2);
    assertThat(answer.get("quarantined").asInt()).isEqualTo(2);
    JsonNode elements = answer.get("elements");
    assertThat(elements).hasSize(4);
    assertThat(elements.get(1).get("index").asInt()).isEqualTo(1);
    assertThat(elements.get(1).get("diagnosis").get("code").asText()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
    assertThat(elements.get(1).get("diagnosis").get("message").asText()).startsWith("[1].UserDetails.EMAIL at");
    assertThat(elements.get(2).get("diagnosis").get("code").asText()).isEqualTo("PAYLOAD_NOT_AN_OBJECT");
    List<String> ids = List.of(elements.get(0).get("leadId").asText(), elements.get(3).get("leadId").asText());
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), ids)).containsExactlyInAnyOrderElementsOf(ids);

    // the same array again: its leads are duplicates, its unreadable elements kept again (the sender sent them)
    JsonNode again = Jar.json(Jar.post(url, "[" + ANN + ",\n " + TWICE + ", \"lead\", " + BOB + "]").body());
    assertThat(again.get("elements").get(0).get("duplicate").asBoolean()).isTrue();
    assertThat(again.get("elements").get(3).get("duplicate").asBoolean()).isTrue();

    // an empty array is no lead at all; too many elements are refused before any is stored
    HttpResponse<String> empty = Jar.post(url, " [ ] ");
    assertThat(empty.statusCode()).as(empty.body()).isEqualTo(400);
    assertThat(Jar.json(empty.body()).get("problems").get(0).get("code").asText()).isEqualTo("PAYLOAD_EMPTY");
    HttpResponse<String> many = Jar.post(url, "[" + "{},".repeat(20_000) + "{}]");
    assertThat(many.statusCode()).as(many.body()).isEqualTo(413);
    assertThat(Jar.json(many.body()).get("error").asText()).contains("20001 elements", "limit of 100",
        "nothing was stored");
    JsonNode health = Jar.json(Jar.get(s.url("/health")).body());
    assertThat(health.get("quarantined").asLong()).as("the two unreadable elements, twice").isEqualTo(4);
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(2);
  }

  @Test
  void serve_aBodyInTheCharsetItDeclares_isReadAsThat_andAnUndeclaredOneIsKeptWithTheFix() throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    String url = s.url("/leads/" + TOKEN);
    String body = "{\"UserDetails\":{\"FirstName\":\"Zoë\",\"LastName\":\"O’Brien\",\"Email\":\"zoe@contoso.com\"},"
        + "\"LeadSource\":\"SPZA-Create|contoso.crm\"}";

    HttpResponse<String> declared = Jar.post(url, body.getBytes(Charset.forName("windows-1252")),
        "application/json; charset=windows-1252");
    HttpResponse<String> undeclared = Jar.post(url, body.replace('’', '\'').getBytes(StandardCharsets.ISO_8859_1),
        "application/json");

    assertThat(declared.statusCode()).as(declared.body()).isEqualTo(202);
    String id = Jar.json(declared.body()).get("leadId").asText();
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), List.of(id))).containsExactly(id);
    assertThat(Files.readString(dir.resolve("out/leads.ndjson"), StandardCharsets.UTF_8)).contains("Zoë", "O’Brien",
        "zoe@contoso.com");
    assertThat(undeclared.statusCode()).isEqualTo(202);
    JsonNode kept = Jar.json(undeclared.body());
    assertThat(kept.get("quarantined").asBoolean()).isTrue();
    assertThat(kept.get("diagnosis").get("code").asText()).isEqualTo("PAYLOAD_INVALID_UTF8");
    assertThat(kept.get("diagnosis").get("fix").asText()).contains("UTF-8", "charset=windows-1252");
    // a charset no JVM knows: named, never guessed
    JsonNode unknown = Jar.json(Jar.post(url, body.getBytes(StandardCharsets.ISO_8859_1),
        "application/json; charset=latin-9x").body());
    assertThat(unknown.get("diagnosis").get("message").asText())
        .endsWith("the request says Content-Type: application/json; charset=latin-9x, a charset this server does not"
            + " know");
  }

  @Test
  void route_aFileThatIsOnePrettyPrintedArray_isReadWhole_notLineByLine() throws Exception {
    String descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();
    Files.writeString(dir.resolve("leads.json"), "[\n  " + ANN.replace(",", ",\n    ") + ",\n  "
        + BOB.replace(",", ",\n    ") + "\n]\n");

    Jar.Result r = Jar.run(dir, "route", "leads.json", "--descriptor", descriptor);

    // before: each of its lines was read as a broken lead and quarantined
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.err()).contains("leads.json is one JSON document over several lines, not NDJSON: read whole");
    assertThat(r.out()).contains("summary: 2 leads read: 2 accepted, 0 duplicates (already accepted earlier), 0"
        + " quarantined, 0 rejected");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(2);
  }

  @Test
  void route_aLineHoldingAJsonArray_routesEachElement_andQuarantinesTheUnreadableOneAlone() throws Exception {
    String descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();
    Files.writeString(dir.resolve("leads.ndjson"), "[" + ANN + "," + TWICE + "]\n[]\n" + BOB + "\n");

    Jar.Result r = Jar.run(dir, "route", "leads.ndjson", "--descriptor", descriptor);

    assertThat(r.exit()).as(r.all()).isEqualTo(1); // one element quarantined
    assertThat(r.out()).contains("line 1 [0]: a***@contoso.com", "quarantined    line 1 [1] as ",
        "PAYLOAD_DUPLICATE_KEY: [1].UserDetails.EMAIL at", "skipped        line 2: an empty JSON array holds no lead",
        "summary: 3 leads read: 2 accepted, 0 duplicates (already accepted earlier), 1 quarantined, 0 rejected");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(2);
  }
}
