package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code leadrouter serve} on the real jar, with real HTTP requests on 127.0.0.1. */
class ServeIT extends ServeITBase {
  @Test
  void serve_realRequests_answersEachCaseAndNeverPrintsTheToken() throws Exception {
    String d = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();
    Jar.Serve s = start(d);
    String lead = Files.readAllLines(Jar.examples().resolve("leads.ndjson")).get(0);

    HttpResponse<String> ok = post(s.url("/leads/" + TOKEN), lead);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    assertThat(Jar.json(ok.body()).get("leadId").asText()).isEqualTo("c0a8e6b2-4f1d-4c3a-9d7e-2b5f8a1c3e01");
    assertThat(Jar.json(ok.body()).get("duplicate").asBoolean()).isFalse();
    HttpResponse<String> again = post(s.url("/leads/" + TOKEN), lead);
    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(Jar.json(again.body()).get("duplicate").asBoolean()).isTrue();

    // JSON that cannot be read unambiguously is kept (quarantined) and answered 2xx: the marketplace never re-sends
    HttpResponse<String> badJson = post(s.url("/leads/" + TOKEN), "{\"UserDetails\": {");
    assertThat(badJson.statusCode()).as(badJson.body()).isEqualTo(202);
    JsonNode kept = Jar.json(badJson.body());
    assertThat(kept.get("quarantined").asBoolean()).isTrue();
    assertThat(kept.get("diagnosis").get("code").asText()).isEqualTo("PAYLOAD_BROKEN_JSON");
    HttpResponse<String> twice = post(s.url("/leads/" + TOKEN), "{\"UserDetails\":{\"Email\":\"a@contoso.com\","
        + "\"EMAIL\":\"b@evil.example\"},\"LeadSource\":\"AzureMarketplace-INS|x\"}");
    assertThat(twice.statusCode()).isEqualTo(202);
    assertThat(Jar.json(twice.body()).get("diagnosis").get("code").asText()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
    // not JSON at all: not a lead, nothing to keep
    HttpResponse<String> notJson = post(s.url("/leads/" + TOKEN), "hello");
    assertThat(notJson.statusCode()).isEqualTo(400);
    JsonNode problem = Jar.json(notJson.body()).get("problems").get(0);
    assertThat(problem.get("code").asText()).isEqualTo("PAYLOAD_NOT_JSON");
    assertThat(problem.get("path").asText()).isEqualTo("body at line 1, column 1");

    // the marketplace's own "USA": normalised and taken, never refused
    HttpResponse<String> usa = post(s.url("/leads/" + TOKEN), "{\"UserDetails\":{\"Email\":\"x@y.com\","
        + "\"Country\":\"USA\"}}");
    assertThat(usa.statusCode()).as(usa.body()).isEqualTo(202);

    HttpResponse<String> big = post(s.url("/leads/" + TOKEN), "{\"Description\":\"" + "a".repeat(70_000) + "\"}");
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(big.body()).contains("over the limit of 65536 bytes");

    HttpResponse<String> wrongToken = post(s.url("/leads/not-the-token-at-all"), lead);
    HttpResponse<String> noSuchPath = post(s.url("/elsewhere"), lead);
    assertThat(wrongToken.statusCode()).isEqualTo(404);
    assertThat(noSuchPath.statusCode()).isEqualTo(404);
    assertThat(wrongToken.body()).isEqualTo(noSuchPath.body()).isEqualTo("{\"error\":\"not found\"}");
    assertThat(get(s.url("/leads/not-the-token-at-all")).statusCode()).isEqualTo(404);

    HttpResponse<String> wrongMethod = get(s.url("/leads/" + TOKEN));
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");

    HttpResponse<String> health = get(s.url("/health"));
    assertThat(health.statusCode()).isEqualTo(200);
    JsonNode h = Jar.json(health.body());
    assertThat(h.get("status").asText()).isEqualTo("ok");
    assertThat(h.get("journal").asText()).isEqualTo("reachable");
    assertThat(h.get("quarantined").asLong()).isEqualTo(2);
    assertThat(h.get("destinations").get("local").get("pending").isNumber()).isTrue();

    s.process().toHandle().destroy(); // SIGTERM (Process.destroy() would also close our end of its pipes)
    assertThat(s.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    String output = s.out().join() + s.err().join();
    assertThat(output).as("exit %d", s.process().exitValue()).contains("leadrouter serve: stopped").contains("m***@contoso.com")
        .doesNotContain(TOKEN).doesNotContain("megan.bowen@contoso.com");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(2);
  }

  @Test
  void serve_killedRightAfterAnswering2xx_losesNoAcceptedLead() throws Exception {
    String d = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();
    Jar.Serve first = start(d);
    List<String> accepted = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      HttpResponse<String> r = post(first.url("/leads/" + TOKEN), "{\"UserDetails\":{\"FirstName\":\"Lead" + i
          + "\",\"Email\":\"lead" + i + "@contoso.com\",\"Country\":\"US\"},\"LeadSource\":"
          + "\"AzureMarketplace-INS|contoso.crm-connector\",\"LeadId\":\"kill-" + i + "\"}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      accepted.add(Jar.json(r.body()).get("leadId").asText());
    }
    first.process().destroyForcibly(); // kill -9
    assertThat(first.process().waitFor(10, TimeUnit.SECONDS)).isTrue();

    Jar.Serve second = start(d); // the journal still holds whatever was not delivered
    List<String> ids = Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), accepted);
    assertThat(ids).as("every 2xx'd lead delivered, none twice").containsExactlyInAnyOrderElementsOf(accepted);
    HttpResponse<String> health = get(second.url("/health"));
    assertThat(Jar.json(health.body()).get("destinations").get("local").get("delivered").asLong())
        .isEqualTo(30);
  }

  @Test
  void serve_tokenOrSecretFileNotUtf8OrFarTooLarge_isRefusedExitTwoWithTheFix_neverAnUnexpectedError()
      throws Exception {
    String d = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();
    Path latin1 = Files.write(dir.resolve("token.latin1"),
        "caf\u00e9-token-0123456789".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    // read whole before, so the wrong file named (a disk image, a log) exhausted the heap: now read at most 64 KiB
    Path huge = Files.write(dir.resolve("secret.huge"), new byte[1 << 20]);

    Jar.Result notUtf8 = Jar.run(dir, "serve", "-d", d, "--port", "0", "--token-file", latin1.toString());
    assertThat(notUtf8.exit()).as(notUtf8.all()).isEqualTo(2);
    assertThat(notUtf8.all()).contains("--token-file: " + latin1 + " is not UTF-8 text: store the secret as UTF-8"
        + " text").doesNotContain("Exception").doesNotContain("token-0123456789");
    Jar.Result big = Jar.run(dir, "serve", "-d", d, "--port", "0", "--webhook-secret-file", huge.toString());
    assertThat(big.exit()).as(big.all()).isEqualTo(2);
    assertThat(big.all()).contains("--webhook-secret-file: " + huge + " is larger than 64 KiB: name the file holding"
        + " only the secret");
  }

  @Test
  void serve_portInUseAddressNotOursNoAddressOrAbsurdThreads_isRefusedWithTheFix_neverAnUnexpectedError()
      throws Exception {
    // each was "unexpected error: java.io.IOException: Failed to bind ..." (or UnknownHostException) with a stack
    // trace, exit 3; --threads 100000000 ran out of heap before listening, exit 1 ("a lead was rejected")
    String d = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();
    Map<String, String> env = Map.of("LR_IT_TOKEN", TOKEN);
    Jar.Result inUse;
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      String port = String.valueOf(taken.getLocalPort());
      inUse = Jar.run(dir, env, null, "serve", "-d", d, "--token-env", "LR_IT_TOKEN", "--port", port);
      assertThat(inUse.exit()).as(inUse.all()).isEqualTo(Main.ERROR);
      assertThat(inUse.err()).contains("leadrouter: cannot listen on 127.0.0.1:" + port + " (Address already in use):"
          + " another process listens there (another serve?): stop it, or give another --port")
          .doesNotContain("unexpected").doesNotContain("Exception");
    }
    Jar.Result notOurs = Jar.run(dir, env, null, "serve", "-d", d, "--token-env", "LR_IT_TOKEN", "--port", "0",
        "--bind", "192.0.2.1"); // TEST-NET-1: no address of any machine here
    assertThat(notOurs.exit()).as(notOurs.all()).isEqualTo(Main.ERROR);
    assertThat(notOurs.err()).contains("leadrouter: cannot listen on 192.0.2.1:0 (").contains("--bind 192.0.2.1 is no"
        + " address of this machine: give one of its addresses (127.0.0.1, the default; 0.0.0.0 for all)")
        .doesNotContain("unexpected").doesNotContain("Exception");
    Jar.Result noAddress = Jar.run(dir, env, null, "serve", "-d", d, "--token-env", "LR_IT_TOKEN", "--port", "0",
        "--bind", "[127.0.0.1");
    assertThat(noAddress.exit()).as(noAddress.all()).isEqualTo(Main.USAGE);
    assertThat(noAddress.err()).contains("--bind: '[127.0.0.1' is no address or host name this machine can resolve")
        .doesNotContain("Exception");
    Jar.Result threads = Jar.run(dir, env, null, "serve", "-d", d, "--token-env", "LR_IT_TOKEN", "--port", "0",
        "--threads", "100000000");
    assertThat(threads.exit()).as(threads.all()).isEqualTo(Main.USAGE);
    assertThat(threads.err()).contains("--threads: 100000000 is over the maximum of 1024")
        .doesNotContain("Error").doesNotContain("Exception");
    assertThat(List.of(inUse.out(), notOurs.out(), noAddress.out(), threads.out()))
        .noneMatch(o -> o.contains("listening"));
  }

  @Test
  void serve_onIpv6Loopback_printsAUrlWithTheAddressInBrackets_thatAnswers() throws Exception {
    // it printed "listening on http://::1:PORT", which is no URL
    Process p = Jar.start(dir, Map.of("LR_IT_TOKEN", TOKEN), "serve", "-d", Jar.fileDescriptor(dir,
        "out/leads.ndjson").toString(), "--token-env", "LR_IT_TOKEN", "--port", "0", "--bind", "::1");
    try {
      Jar.Drain out = new Jar.Drain(p.getInputStream());
      Jar.Drain err = new Jar.Drain(p.getErrorStream());
      java.util.regex.Pattern url = java.util.regex.Pattern.compile("listening on (http://\\[::1\\]:\\d+) ");
      java.util.regex.Matcher m = url.matcher("");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!(m = url.matcher(out.text())).find() && p.isAlive() && System.nanoTime() - deadline < 0) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
      assertThat(m.find(0)).as(out.text() + err.text()).isTrue();
      assertThat(get(m.group(1) + "/health").statusCode()).isEqualTo(200);
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void serve_webhookSecretWrappedOverTwoLines_isRefusedSayingToJoinThem() throws Exception {
    // as `openssl rand -base64` writes a long secret; refused before as "each secret must start with whsec_"
    Path wrapped = Files.writeString(dir.resolve("secret.wrapped"), "whsec_MfKQ9r8GKYqr\nTwjUPD8ILPZIo2LaLaSw\n");
    Jar.Result r = Jar.run(dir, "serve", "-d", Jar.fileDescriptor(dir, "out/leads.ndjson").toString(), "--port", "0",
        "--webhook-secret-file", wrapped.toString());
    assertThat(r.exit()).as(r.all()).isEqualTo(2);
    assertThat(r.all()).contains("--webhook-secret: the secret is broken over several lines").contains("join its"
        + " lines into one").doesNotContain("TwjUPD8ILPZIo2LaLaSw").doesNotContain("Exception");
  }

  @Test
  void serve_tokenAndSecretFilesSavedWithAByteOrderMark_areTheTokenAndTheSecret() throws Exception {
    // Notepad's "UTF-8 with BOM": the mark is invisible, and serve refused both files as not a token / not whsec_
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    Path tokenFile = Files.writeString(dir.resolve("token.txt"), "\uFEFF" + TOKEN + "\r\n");
    Path secretFile = Files.writeString(dir.resolve("secret.txt"), "\uFEFF" + secret + "\r\n");
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString(), Map.of(), "--token-file",
        tokenFile.toString(), "--webhook-secret-file", secretFile.toString());
    String body = "{\"UserDetails\":{\"Email\":\"bom@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\"}";
    assertThat(post(s.url("/leads/" + TOKEN), body).statusCode()).isEqualTo(202);
    long now = java.time.Instant.now().getEpochSecond();
    String signature = io.leadrouter.https.WebhookSigner.of(io.leadrouter.spi.Secret.of(secret))
        .sign("msg-bom-1", now, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    HttpResponse<String> signed = signedPost(s.url("/leads"), body, "msg-bom-1", now, signature);
    assertThat(signed.statusCode()).as(signed.body()).isEqualTo(202);
  }

  @Test
  void serve_signedPosts_acceptedWhenTheStandardWebhooksSignatureChecksOut() throws Exception {
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString(), Map.of("LR_WEBHOOK_SECRET", secret),
        "--webhook-secret-env", "LR_WEBHOOK_SECRET");
    String body = "{\"UserDetails\":{\"FirstName\":\"Ana\",\"Email\":\"ana@contoso.com\",\"Country\":\"BR\"},"
        + "\"LeadSource\":\"SPZA-Create|contoso.crm\",\"OfferTitle\":\"CRM\"}";
    long now = java.time.Instant.now().getEpochSecond();
    String signature = io.leadrouter.https.WebhookSigner.of(io.leadrouter.spi.Secret.of(secret))
        .sign("msg-signed-1", now, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));

    HttpResponse<String> ok = signedPost(s.url("/leads"), body, "msg-signed-1", now, signature);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    assertThat(Jar.json(ok.body()).get("leadId").asText()).as("the webhook-id is the lead id")
        .isEqualTo("msg-signed-1");

    HttpResponse<String> tampered = signedPost(s.url("/leads"), body.replace("Ana", "Eve"), "msg-signed-1", now,
        signature);
    assertThat(tampered.statusCode()).isEqualTo(401);
    assertThat(Jar.json(tampered.body()).get("error").asText()).startsWith("signature rejected: ");

    HttpResponse<String> stale = signedPost(s.url("/leads"), body, "msg-signed-1", now - 3600,
        io.leadrouter.https.WebhookSigner.of(io.leadrouter.spi.Secret.of(secret)).sign("msg-signed-1", now - 3600,
            body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(stale.statusCode()).as("older than the 5-minute tolerance").isEqualTo(401);

    HttpResponse<String> unsigned = post(s.url("/leads"), body);
    assertThat(unsigned.statusCode()).isEqualTo(401);
    assertThat(post(s.url("/leads/" + TOKEN), body).statusCode()).as("no token configured: no token path")
        .isEqualTo(404);
    assertThat(s.out().text() + s.err().text()).doesNotContain(secret);
  }

  private static HttpResponse<String> signedPost(String url, String body, String id, long timestamp,
      String signature) throws IOException, InterruptedException {
    return Jar.post(url, body, "webhook-id", id, "webhook-timestamp", Long.toString(timestamp), "webhook-signature",
        signature);
  }

  private Jar.Serve start(String descriptor, Map<String, String> env, String... auth) throws InterruptedException {
    return servers.start(dir, descriptor, env, List.of(auth));
  }

  private static HttpResponse<String> post(String url, String body) throws IOException, InterruptedException {
    return Jar.post(url, body);
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return Jar.get(url);
  }
}
