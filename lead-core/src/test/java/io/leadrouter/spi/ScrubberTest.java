package io.leadrouter.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The scrubber: secret values in their encodings, credentials by name, e-mails and phones; ordinary text kept. */
class ScrubberTest {
  private static final Secret SECRET = Secret.of("s3cr3t/Va+lue=\"q\"&x");
  private final Scrubber scrubber = Scrubber.standard();

  @Test
  void scrub_liveSecret_inEveryEncoding() {
    String v = SECRET.reveal();
    String basic = Base64.getEncoder().encodeToString(("client-id:" + v).getBytes(StandardCharsets.UTF_8));
    String text = String.join(" | ", v, URLEncoder.encode(v, StandardCharsets.UTF_8),
        URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20"),
        v.replace("\"", "\\\""), Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)),
        Base64.getUrlEncoder().withoutPadding().encodeToString(v.getBytes(StandardCharsets.UTF_8)),
        "blob " + basic);
    String out = scrubber.scrub(text);
    assertThat(out).doesNotContain("s3cr3t").doesNotContain("czNjcjN0").doesNotContain(basic.substring(16, 28));
    assertThat(out).contains("[redacted]");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "`grant_type=client_credentials&client_secret=abc&client_id=x` | `grant_type=client_credentials&client_secret=[redacted]&client_id=x`",
      "`GET /identity/oauth/token?client_id=x&client_secret=k1 HTTP/1.1` | `GET /identity/oauth/token?client_id=x&client_secret=[redacted] HTTP/1.1`",
      "`https://acct.table.core.windows.net/t?sv=2024&sig=AbC%2Bd&se=2026` | `https://acct.table.core.windows.net/t?sv=2024&sig=[redacted]&se=2026`",
      "`Authorization: Bearer eyJhbGciOi.abc.def` | `Authorization: [redacted]`",
      "`he sent bearer eyJhbGciOiJIUzI1 again` | `he sent bearer [redacted] again`",
      "`Authorization%3A+Bearer+00D5e%21AQ8AQsf-tok%0A` | `Authorization%3A+Bearer+[redacted]`",
      "`Authorization%3A%20Bearer%20cdf0-110d%3Amkto` | `Authorization%3A%20Bearer%20[redacted]`",
      "`{\"access_token\":\"tok-123\",\"token_type\":\"Bearer\"}` | `{\"access_token\":\"[redacted]\",\"token_type\":\"[redacted]\"}`",
      "`{\"headers\":{\"X-Api-Key\":[\"k-99\"]}}` | `{\"headers\":{\"X-Api-Key\":[\"[redacted]\"]}}`",
      "`{\\\"client_secret\\\":\\\"zz\\\"}` | `{\\\"client_secret\\\":\\\"[redacted]\\\"}`",
      "`x-api-key: k-99` | `x-api-key: [redacted]`",
      "`webhook-signature: v1,abcdef==` | `webhook-signature: [redacted]`",
      "`mail jane.doe@contoso.com now` | `mail j***@contoso.com now`",
      "`email=jane.doe%40contoso.com&x=1` | `email=j***%40contoso.com&x=1`",
      "`call +1 425 555 0100 today` | `call ***00 today`",
      "`phone=%2B1%20425%20555%200100` | `phone=***00`",
      "`(425) 555-0199` | `***99`",
      "`tel 4255550123.` | `tel ***23.`",
      "`webhook-timestamp 1614265330 is 301 s in the past` | `webhook-timestamp 1614265330 is 301 s in the past`",
      "`expires 1764684000000 (ms)` | `expires 1764684000000 (ms)`",
      "`mobile 13812345678` | `mobile ***78`",
      "`{Authorization=[Bearer abc.def], X-Api-Key=[k-99], Accept=[*/*]}` | `{Authorization=[redacted], X-Api-Key=[redacted], Accept=[*/*]}`",
      // how hostile destinations spell credentials and customer data when they echo them: each is found
      "`GET https://admin:hunter2pass@hooks.example/in failed` | `GET https://[redacted]@hooks.example/in failed`",
      "`redirected to http://svc:S3cr3t%40x@10.0.0.7:8080/x` | `redirected to http://[redacted]@10.0.0.7:8080/x`",
      "`POST https://ghp_T0kenAsUserInfo9876@hooks.example/in` | `POST https://[redacted]@hooks.example/in`",
      "`{\"id_token\":1,\"at\":\"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\"}` | `{\"id_token\":1,\"at\":\"[redacted]\"}`",
      "`expired: eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0. (alg none)` | `expired: [redacted] (alg none)`",
      "`Location: https://app.example/cb#access_token=eyJ0eXAi.abc&state=1` | `Location: https://app.example/cb#access_token=[redacted]&state=1`",
      "`POST https://fn.azurewebsites.net/api/leads?code=aB3dE5fG7hI9jK1lM3nO5pQ7==` | `POST https://fn.azurewebsites.net/api/leads?code=[redacted]`",
      "`<Error><client_secret>abc123def</client_secret></Error>` | `<Error><client_secret>[redacted]</client_secret></Error>`",
      "`<password>p4ssw0rd!</password>` | `<password>[redacted]</password>`",
      "`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Eby8vdM02x/K1SZ==;EndpointSuffix=core.windows.net` | `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[redacted];EndpointSuffix=core.windows.net`",
      "`Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=Zm9vYmFy=` | `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=[redacted];SharedAccessKey=[redacted]`",
      "`Ocp-Apim-Subscription-Key: 0123456789abcdef` | `Ocp-Apim-Subscription-Key: [redacted]`",
      "`x-functions-key: abcdef0123456789` | `x-functions-key: [redacted]`",
      "`duplicate: jane.doe%2540contoso.com` | `duplicate: j***%2540contoso.com`",
      "`duplicate: jane.doe&#64;contoso.com` | `duplicate: j***&#64;contoso.com`",
      "`duplicate: jane.doe\\u0040contoso.com` | `duplicate: j***\\u0040contoso.com`",
      "`duplicate value found: Email=jäne.doé@contoso.com` | `duplicate value found: Email=j***@contoso.com`",
      "`owner: zoë@bücher.de` | `owner: z***@bücher.de`",
      "`phone: 425.555.0100` | `phone: ***00`",
      "`Phone=+44.20.7946.0958` | `Phone=***58`"})
  void scrub_credentialsAndPii(String in, String expected) {
    assertThat(scrubber.scrub(in)).isEqualTo(expected);
  }

  /**
   * An address on the host without a dot (a test or local mailbox, {@code root@localhost}), a phone with a slash after
   * its area code ({@code 425/555-0100}, {@code 030/1234567}) and an address with an invisible character inside (a
   * zero-width space or joiner, a soft hyphen, as pasted from a web page or a chat) passed whole.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "`mail to ottoline@localhost failed` | `mail to o***@localhost failed`",
      "`mailbox ottoline@localhost:25 full` | `mailbox o***@localhost:25 full`",
      "`To: OTTOLINE@LOCALHOST.` | `To: O***@LOCALHOST.`",
      "`call 425/555-0100 today` | `call ***00 today`",
      "`Tel. 030/1234567` | `Tel. ***67`",
      "`(425)/555 0100` | `***00`",
      "`mail jo\u200Bhn.vexcombe@contoso.com now` | `mail j***@contoso.com now`",
      "`mail john\u00ADvexcombe\u2060x@contoso.com now` | `mail j***@contoso.com now`",
      "`mail john.vexcombe@con\u200Dtoso.com now` | `mail j***@con\u200Dtoso.com now`",
      "`call 425\u200B555\u200B0100 now` | `call ***00 now`"})
  void scrub_dotlessHostSlashedPhoneAndInvisibleCharacters_areMasked(String in, String expected) {
    assertThat(scrubber.scrub(unescape(in))).isEqualTo(unescape(expected));
  }

  /** What looks a little like them and is none: kept as it is. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "`retry after 2026/12/04 or 12/04/2026 or 4/12/26`",
      "`io.leadrouter.LeadRouter@1b6d3586 closed; sink java.lang.Object@deadbeef`",
      "`image leadrouter@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`",
      "`npm install azurite@3.29.0 and @azure/data-tables@12`",
      "`GET /api/data/v9.2/leads/42/attempts/1234567 failed`",
      "`retried 3/5 times, page 10/200`",
      "`see https://example.org/a/425/5550100/x`",
      "`@Override @param jane the name`",
      "`allowedHosts: holds user info (name@host), not a host; ping ops@mailhost`",
      "`postgres@localhostdb, admin@localhost.1`"})
  void scrub_lookAlikes_ofDotlessHostsAndSlashedPhones_areKept(String in) {
    assertThat(scrubber.scrub(in)).isEqualTo(in);
  }

  private static String unescape(String s) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\\\u([0-9A-Fa-f]{4})").matcher(s);
    return m.replaceAll(r -> String.valueOf((char) Integer.parseInt(r.group(1), 16)));
  }

  @Test
  void scrub_liveSecret_otherwiseCasedOrEncodedTwiceOrHtmlEscaped() {
    String v = SECRET.reveal();
    String url = URLEncoder.encode(v, StandardCharsets.UTF_8);
    String text = String.join(" | ", v.toUpperCase(java.util.Locale.ROOT), v.toLowerCase(java.util.Locale.ROOT),
        URLEncoder.encode(url, StandardCharsets.UTF_8), v.replace("&", "&amp;").replace("\"", "&quot;"),
        v.replace("&", "&amp;").replace("\"", "&#34;"), v.replace("\"", "\\u0022").replace("&", "\\u0026").replace("+", "\\u002B"));

    String out = scrubber.scrub(text);

    assertThat(out).doesNotContainIgnoringCase("s3cr3t").contains("[redacted]");
  }

  /** A destination wrapping a long value over lines (Base64 at 64 or 76 columns, a folded header, an escaped \\n). */
  @Test
  void scrub_liveSecret_wrappedOverLines() {
    String v = SECRET.reveal();
    String b64 = Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8));
    String text = String.join(" | ", v.substring(0, 4) + "\r\n  " + v.substring(4),
        "\"" + b64.substring(0, 5) + "\\n" + b64.substring(5) + "\"", v.substring(0, 3) + "\n" + v.substring(3));

    String out = scrubber.scrub(text);

    assertThat(out).doesNotContain(v.substring(4)).doesNotContain(b64.substring(5)).doesNotContain(v.substring(3))
        .contains("[redacted]");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "`https://crm.example answered 503: Service Unavailable`",
      "`retry after 2026-12-01 or 01.12.2026`",
      "`0x80040237 duplicate key, request id 72f988bf-86f1-41af-91ab-2d7cd011db47`",
      "`blocked 169.254.169.254 and 10.0.0.1`",
      "`AADSTS7000215: Invalid client secret provided.`",
      "`error 1003: field 'email' invalid, code=DUPLICATE_VALUE`",
      "`lead MSFT_TEST_638123456789012345 at 17330000`",
      "`version 9.2, port 8443`",
      "`a private network (172.16.0.0/12) address`",
      "`Bearer error=invalid_token, error_description=\"expired\"`",
      "`refused a freshly issued token: [{\"message\":\"Session expired\"}]`"})
  void scrub_ordinaryDiagnostics_areKept(String in) {
    assertThat(scrubber.scrub(in)).isEqualTo(in);
  }

  /**
   * Credentials a receiver prints as a Java map ({@code {Authorization=Bearer ...}}) or a Python dict
   * ({@code {'access_token': '...'}}), not held as a live secret (a token from before, another system's): the token
   * after the scheme word, and the single-quoted value, passed whole.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "`{Authorization=Bearer tok3n-ABCdef-9876, Accept=*/*}` | tok3n",
      "`Proxy-Authorization=Basic dG9rM24tQUJDZGVmOjk4NzY=` | dG9rM24t",
      "`{'access_token': '00Dxx0000001gPL!AR8AQJXg', 'instance_url': 'https://x.my.salesforce.com'}` | AR8AQJXg",
      "`{'headers': {'X-Api-Key': 'k3y-v4lue-99'}}` | v4lue",
      "`'client_secret': ['s3cr3t-value-7']` | s3cr3t"})
  void scrub_credentialsInPrintedMapsAndDicts_areRemoved(String in, String secretPart) {
    assertThat(scrubber.scrub(in)).doesNotContain(secretPart).contains("[redacted]");
  }

  @Test
  void scrub_liveSecretWithControlCharacters_inItsJsonEscapedForm() {
    Secret secret = Secret.of("line1\nline2\ttab\"quoted\"\\x");

    String out = scrubber.scrub("{\"error\":\"the value line1\\nline2\\ttab\\\"quoted\\\"\\\\x\"}");

    assertThat(out).doesNotContain("line1").doesNotContain("line2").contains("[redacted]");
    assertThat(secret.reveal()).startsWith("line1"); // held until here: only a live secret is scrubbed
  }

  @Test
  void scrub_throwable_scrubsEveryMessageOfTheChain_keepingTypesAndStackTraces() {
    java.io.IOException root = new java.io.IOException("echo from jane.doe@contoso.com: " + SECRET.reveal());
    IllegalStateException top = new IllegalStateException("sink failed: Bearer eyJhbGciOiJIUzI1", root);
    top.addSuppressed(new RuntimeException("phone +1 425 555 0100"));

    Throwable safe = scrubber.scrub(top);

    java.io.StringWriter printed = new java.io.StringWriter();
    safe.printStackTrace(new java.io.PrintWriter(printed));
    assertThat(printed.toString()).doesNotContain("s3cr3t", "jane.doe", "eyJhbGciOiJIUzI1", "425 555")
        .contains("java.lang.IllegalStateException: sink failed: Bearer [redacted]",
            "Caused by: java.io.IOException: echo from j***@contoso.com: [redacted]", "Suppressed: java.lang"
                + ".RuntimeException: phone ***00");
    assertThat(safe.getStackTrace()).isEqualTo(top.getStackTrace());
    assertThat(safe.getCause()).isInstanceOf(java.io.IOException.class);
    assertThat(safe.getCause().getStackTrace()).isEqualTo(root.getStackTrace());
  }

  @Test
  void scrub_throwable_withNothingToScrub_isTheSameThrowable() {
    java.net.ConnectException clean = new java.net.ConnectException("Connection refused");
    assertThat(scrubber.scrub(new IllegalStateException("x", clean))).hasCause(clean);
    assertThat(scrubber.scrub(clean)).isSameAs(clean);
  }

  @Test
  void deliveryException_causeIsScrubbed() {
    TransientDeliveryException e = new TransientDeliveryException("failed",
        new java.io.IOException("connect to https://u:" + SECRET.reveal() + "@crm.example?sig=AbC%2B for jane@contoso.com"));

    assertThat(e.getCause()).isInstanceOf(java.io.IOException.class);
    assertThat(e.getCause().toString()).doesNotContain("s3cr3t", "AbC%2B", "jane@")
        .startsWith("java.io.IOException: connect to https://[redacted]@crm.example?sig=[redacted]");
  }

  @Test
  void scrub_isIdempotent() {
    String once = scrubber.scrub("client_secret=a&Authorization: Bearer abcdefgh jane@contoso.com +1 425 555 0100");
    assertThat(scrubber.scrub(once)).isEqualTo(once);
  }

  @Test
  void diagnosis_isScrubbedWhenMade() {
    Diagnosis d = new Diagnosis("X_FAILED", "echo: " + SECRET.reveal() + " from jane@contoso.com", "fix it");
    assertThat(d.message()).isEqualTo("echo: [redacted] from j***@contoso.com");
  }

  /**
   * Every diagnosis and delivery failure is one log line, whatever line break the destination's text holds (CR, LF,
   * NEL, U+2028/U+2029, other C0/C1 controls) or bidirectional control that would reorder how the line reads; still
   * scrubbed.
   */
  @Test
  void diagnosisAndDeliveryException_areOneLineWhateverTheBreak() {
    String forged = "refused\r\n2026-12-03 INFO ok\u0085NEL\u2028LS\u2029PS\u000bVT\u001b[31mESC\u009bCSI"
        + "\u202eRLO\u2066LRI end";
    Diagnosis d = new Diagnosis("X_FAILED", forged + " " + SECRET.reveal(), "fix\nit\u2028now");
    DeliveryException e = new TransientDeliveryException(forged, null, null, null);

    for (String text : List.of(d.message(), d.remediation(), d.toString(), e.getMessage())) {
      assertThat(text).as(text).doesNotContainPattern("[\\p{Cc}\\u0085\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]");
    }
    assertThat(d.message()).isEqualTo("refused 2026-12-03 INFO ok NEL LS PS VT [31mESC CSI RLO LRI end [redacted]");
    assertThat(d.remediation()).isEqualTo("fix it now");
    assertThat(e.getMessage()).isEqualTo("refused 2026-12-03 INFO ok NEL LS PS VT [31mESC CSI RLO LRI end");
  }

  /**
   * A value that is only a scheme prefix (an empty webhook secret {@code whsec_}, refused by its builder but alive
   * until collected) holds nothing secret: it redacted that prefix from every message in the JVM meanwhile, which
   * also failed other tests now and then, as the collector decided.
   */
  @Test
  void bareSchemePrefix_isNotSearchedFor_whileAValueAfterItStillIs() {
    Secret bare = Secret.of("whsec_");
    Secret bareTwo = Secret.of("sk_live_");
    Secret real = Secret.of("whsec_c2VjcmV0LXZhbHVl");

    assertThat(Scrubber.standard().scrub("give the whsec_... secret; sk_live_ keys start so"))
        .isEqualTo("give the whsec_... secret; sk_live_ keys start so");
    assertThat(Scrubber.standard().scrub("echo whsec_c2VjcmV0LXZhbHVl")).isEqualTo("echo [redacted]");
    assertThat(List.of(bare, bareTwo, real)).hasSize(3); // all three alive during the checks above
  }

  @Test
  void withValues_removesValuesThatAreNoSecret() {
    assertThat(Scrubber.withValues(List.of("plain-api-key-77")).scrub("k=plain-api-key-77!")).isEqualTo("k=[redacted]!");
  }

  /**
   * A destination's long answer without an {@code @} (a run of letters, a base64 blob) must not hold the thread: the
   * e-mail pattern tried every start inside one run (quadratic: 8,000 letters took 16 s, a 200 KB reason hours).
   * The bound is a hang guard hundreds of times what it takes, not a speed measurement.
   */
  @Test
  void scrub_longRunsWithoutAnAt_endInLinearTime_andEMailsAroundThemAreStillMasked() {
    String run = "x".repeat(200_000);
    String text = "jane.doe@contoso.com " + run + " o'brien@contoso.com '" + run + "' %2Bmax@contoso.com";
    String out = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
        () -> Scrubber.standard().scrub(text));
    assertThat(out).doesNotContain("jane.doe@", "o'brien@", "max@").contains(run);
  }
}
