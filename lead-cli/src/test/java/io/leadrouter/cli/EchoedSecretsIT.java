package io.leadrouter.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log-scan test of #18: every destination echoes everything back (see {@link EchoFake}: the request's secrets,
 * tokens and the lead's e-mail and phone — also as the customer wrote them into the offer title and description —
 * raw, URL-encoded, Base64 and JSON-escaped, in error bodies and headers), and
 * nothing of it may come out of LeadRouter. The real jar runs {@code verify}, {@code route}, {@code inspect
 * dead-letters} (table and {@code --json}), {@code inspect pending} and {@code inspect quarantine} with every logger at
 * DEBUG; then the journal file is read.
 *
 * <p>What is scanned, and for what:
 * <ul>
 *   <li>every command's stdout and stderr (stderr holds every log line, DEBUG included): no form of any secret or
 *   token, no raw or URL-encoded e-mail, no phone number in any punctuation;</li>
 *   <li>the journal's raw bytes (the database file and, if present, its {@code -wal} and {@code -shm}) after each
 *   command: no form of any secret or token;</li>
 *   <li>the journal's text columns, read with SQL: no e-mail or phone anywhere (diagnoses, last errors, park reasons,
 *   quarantine diagnoses, origins...) except the two payload columns, which hold the lead as received because it must
 *   be delivered ({@code lr_leads.payload}, {@code lr_quarantine.payload}).</li>
 * </ul>
 * An e-mail or phone inside a Base64 text is not looked for: it cannot be told from other Base64 without knowing it.
 */
class EchoedSecretsIT {
  private static final String DYN_SECRET = "dyn~S3cret+/Val\"ue&1=x";
  private static final String SF_SECRET = "sf.S3cret+Value/\"q\"=&z";
  private static final String MKTO_SECRET = "mkto S3cret&Value+=/k";
  private static final String HOOK_KEY = "hook-K3y+/Secret=\"v\"";
  private static final String HOOK_AUTH = "Bearer hookBearer-T0ken-4711";
  private static final String HOOK_TOKEN = "url-T0ken.Secret_42";
  private static final String HOOK_SIGNING = "whsec_" + Base64.getEncoder().encodeToString(
      "signing-secret-of-32-bytes-long!".getBytes(StandardCharsets.UTF_8));
  private static final String SAS = "sv=2019-02-02&st=2026-01-01T00%3A00%3A00Z&se=2099-01-01T00%3A00%3A00Z&sp=raud"
      + "&tn=leads&sig=sAs%2BSignature%2FValue%3D";
  private static final String DYN_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.dyn-access-T0ken";
  private static final String SF_TOKEN = "00D5e000000AbCd!AQ8AQsf-access-T0ken";
  private static final String MKTO_TOKEN = "cdf01657-110d-4155-99a7-f986b2ff13a0:mkto-T0ken";
  private static final String EMAIL = "megan.bowen@contoso.com";
  /** The lead's phone, +1 425 555 0109: its ten national digits in any punctuation. */
  private static final Pattern PHONE = Pattern.compile("4\\D{0,3}2\\D{0,3}5\\D{0,3}5\\D{0,3}5\\D{0,3}5\\D{0,3}0"
      + "\\D{0,3}1\\D{0,3}0\\D{0,3}9");
  private static final String LEAD = "{\"UserDetails\":{\"FirstName\":\"Megan\",\"LastName\":\"Bowen\",\"Email\":\""
      + EMAIL + "\",\"Phone\":\"+1 425 555 0109\",\"Country\":\"US\",\"Company\":\"Contoso Ltd\",\"Title\":\"IT "
      + "Director\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm-connector\",\"ActionCode\":\"INS\","
      + "\"OfferTitle\":\"Contoso CRM Connector (ask " + EMAIL + ")\",\"Description\":\"call me at (425) 555-0109 "
      + "or write to " + EMAIL + "\",\"LeadId\":"
      + "\"c0a8e6b2-4f1d-4c3a-9d7e-2b5f8a1c3e01\",\"CreatedTime\":\"2026-11-24T09:12:44Z\"}";
  /** A line that cannot be read (cut off), carrying the same e-mail and phone: it is quarantined. */
  private static final String BROKEN = "{\"UserDetails\":{\"Email\":\"" + EMAIL + "\",\"Phone\":\"+1 425 555 0109\","
      + "\"FirstName\":\"Megan\" \"LastName\":";

  @TempDir
  Path dir;

  private WireMockServer fake;

  @AfterEach
  void stop() {
    if (fake != null) {
      fake.stop();
    }
  }

  @Test
  void destinationsEchoingEverything_noSecretAndNoRawPiiInOutputLogsOrJournal() throws Exception {
    int port = freePort();
    fake = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").port(port)
        .extensions(new EchoFake(port, DYN_TOKEN, SF_TOKEN, MKTO_TOKEN)));
    fake.start();
    fake.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(500)));
    Path descriptor = Files.writeString(dir.resolve("leadrouter.yaml"), descriptor(port));
    Files.writeString(dir.resolve("leads.ndjson"), LEAD + "\n" + BROKEN + "\n");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LR_DYN_SECRET", DYN_SECRET);
    env.put("LR_SF_SECRET", SF_SECRET);
    env.put("LR_MKTO_SECRET", MKTO_SECRET);
    env.put("LR_HOOK_KEY", HOOK_KEY);
    env.put("LR_HOOK_AUTH", HOOK_AUTH);
    env.put("LR_HOOK_URL", "http://127.0.0.1:" + port + "/hook?token=" + HOOK_TOKEN);
    env.put("LR_HOOK_SIGNING", HOOK_SIGNING);
    env.put("LR_SAS", SAS);
    // every logger of the process at DEBUG (stack traces included), all of it on stderr
    env.put("JAVA_TOOL_OPTIONS", "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug");
    String d = descriptor.toString();

    List<String[]> commands = List.of(
        new String[] {"verify", "--verbose", "-d", d},
        new String[] {"route", "leads.ndjson", "-d", d, "--wait", "20s"},
        new String[] {"inspect", "dead-letters", "-d", d, "--json"},
        new String[] {"inspect", "dead-letters", "-d", d},
        new String[] {"inspect", "pending", "-d", d},
        new String[] {"inspect", "quarantine", "-d", d},
        new String[] {"inspect", "quarantine", "1", "-d", d});
    List<String> leaks = new ArrayList<>();
    StringBuilder everything = new StringBuilder();
    for (String[] args : commands) {
      Jar.Result r = Jar.run(dir, env, null, args);
      String what = "leadrouter " + String.join(" ", args).replace(d, "leadrouter.yaml");
      everything.append("=== ").append(what).append(" (exit ").append(r.exit()).append(")\n").append(r.all());
      leaks.addAll(secretsIn(what + " output", r.all()));
      leaks.addAll(piiIn(what + " output", r.all()));
      leaks.addAll(secretsInJournalFiles("journal files after " + what));
    }
    leaks.addAll(piiInJournalColumns());

    // the test is only worth something if the destinations were reached and answered with their echo
    assertThat(fake.getAllServeEvents()).as("requests the fake received").hasSizeGreaterThan(10);
    assertThat(everything.toString()).as(everything.toString())
        .contains("DYNAMICS_INVALID_CLIENT_SECRET", "dead-lettered", "quarantined")
        .contains("[redacted]");
    assertThat(leaks).as(everything.toString()).isEmpty();
  }

  private String descriptor(int port) {
    String base = "http://127.0.0.1:" + port;
    return """
        journal: {type: sqlite, path: out/leadrouter.db}
        sinks:
          dyn-token:
            type: dynamics
            instanceUrl: %1$s
            authorityHost: %1$s
            tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
            clientId: 11111111-2222-3333-4444-555555555555
            clientSecret: ${LR_DYN_SECRET}
            timeout: 5s
          dyn-api:
            type: dynamics
            instanceUrl: %1$s
            authorityHost: %1$s
            tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
            clientId: %2$s
            clientSecret: ${LR_DYN_SECRET}
            timeout: 5s
          sf-token:
            type: salesforce
            myDomain: %1$s
            clientId: 3MVG9badClient
            clientSecret: ${LR_SF_SECRET}
            timeout: 5s
          sf-api:
            type: salesforce
            myDomain: %1$s
            clientId: %2$s
            clientSecret: ${LR_SF_SECRET}
            timeout: 5s
          w2l:
            type: salesforce-web2lead
            orgId: 00D5e000000AbCd
            endpoint: %1$s/servlet/servlet.WebToLead?encoding=UTF-8
            myDomain: %1$s
            clientId: %2$s
            clientSecret: ${LR_SF_SECRET}
            timeout: 5s
          mkto-token:
            type: marketo
            endpoint: %1$s/rest
            identity: %1$s/identity
            clientId: bad-client
            clientSecret: ${LR_MKTO_SECRET}
            timeout: 5s
          mkto-api:
            type: marketo
            endpoint: %1$s/rest
            identity: %1$s/identity
            clientId: %2$s
            clientSecret: ${LR_MKTO_SECRET}
            timeout: 5s
          hook:
            type: https
            url: ${LR_HOOK_URL}
            allowedHosts: [127.0.0.1]
            allowHttpHosts: [127.0.0.1]
            signingSecret: ${LR_HOOK_SIGNING}
            secretHeaders:
              X-Api-Key: ${LR_HOOK_KEY}
              Authorization: ${LR_HOOK_AUTH}
          azure:
            type: azuretable
            endpoint: %1$s/devstoreaccount1
            sasToken: ${LR_SAS}
            tableName: leads
            maxRetries: 0
        default: [dyn-token, dyn-api, sf-token, sf-api, w2l, mkto-token, mkto-api, hook, azure]
        """.formatted(base, EchoFake.GOOD_CLIENT);
  }

  /** Every secret and token the destinations echo, each in the forms it can take in a text. */
  private static Map<String, List<String>> secretForms() {
    Map<String, List<String>> all = new LinkedHashMap<>();
    for (String s : List.of(DYN_SECRET, SF_SECRET, MKTO_SECRET, HOOK_KEY, HOOK_AUTH, HOOK_TOKEN, HOOK_SIGNING,
        "sAs%2BSignature%2FValue%3D", "sAs+Signature/Value=", DYN_TOKEN, SF_TOKEN, MKTO_TOKEN)) {
      all.put(s, forms(s));
    }
    return all;
  }

  /** Raw, URL-encoded (+ or %20, either hex case), JSON-escaped, and Base64 (also inside a longer Base64 text). */
  static List<String> forms(String value) {
    Set<String> forms = new LinkedHashSet<>();
    forms.add(value);
    String url = URLEncoder.encode(value, StandardCharsets.UTF_8);
    forms.add(url);
    forms.add(url.replace("+", "%20"));
    forms.add(Pattern.compile("%[0-9A-F]{2}").matcher(url).replaceAll(m -> m.group().toLowerCase(Locale.ROOT)));
    String json = value.replace("\\", "\\\\").replace("\"", "\\\"");
    forms.add(json);
    forms.add(json.replace("/", "\\/"));
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    for (Base64.Encoder encoder : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
      for (int shift = 0; shift < 3; shift++) {
        byte[] padded = new byte[shift + bytes.length];
        System.arraycopy(bytes, 0, padded, shift, bytes.length);
        String enc = encoder.withoutPadding().encodeToString(padded);
        forms.add(enc.substring(shift == 0 ? 0 : shift + 1, (padded.length / 3) * 4));
      }
    }
    return List.copyOf(forms);
  }

  private static List<String> secretsIn(String where, String text) {
    List<String> found = new ArrayList<>();
    secretForms().forEach((secret, forms) -> {
      for (String form : forms) {
        int at = text.indexOf(form);
        if (at >= 0) {
          found.add(where + ": secret " + secret + " as '" + form + "' near: "
              + text.substring(Math.max(0, at - 80), Math.min(text.length(), at + form.length() + 40)));
        }
      }
    });
    return found;
  }

  private static List<String> piiIn(String where, String text) {
    List<String> found = new ArrayList<>();
    for (String form : List.of(EMAIL, EMAIL.replace("@", "%40"), EMAIL.replace("@", "%40").toLowerCase(Locale.ROOT))) {
      int at = text.indexOf(form);
      if (at >= 0) {
        found.add(where + ": e-mail near: " + text.substring(Math.max(0, at - 80), Math.min(text.length(), at + 60)));
      }
    }
    var phone = PHONE.matcher(text);
    if (phone.find()) {
      found.add(where + ": phone near: " + text.substring(Math.max(0, phone.start() - 80),
          Math.min(text.length(), phone.end() + 40)));
    }
    return found;
  }

  private List<String> secretsInJournalFiles(String where) throws Exception {
    List<String> found = new ArrayList<>();
    for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
      Path file = dir.resolve("out/leadrouter.db" + suffix);
      if (Files.exists(file)) {
        // ISO-8859-1 maps every byte to one char, so a UTF-8 (ASCII) secret is found as its bytes
        found.addAll(secretsIn(where + " " + file.getFileName(),
            new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)));
      }
    }
    return found;
  }

  /** Every text column of every journal table, except the lead payloads, holds no e-mail and no phone. */
  private List<String> piiInJournalColumns() throws Exception {
    List<String> found = new ArrayList<>();
    int cells = 0;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("out/leadrouter.db"));
        Statement st = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      assertThat(tables).contains("lr_deliveries", "lr_quarantine", "lr_leads");
      for (String table : tables) {
        try (ResultSet rs = st.executeQuery("SELECT * FROM " + table)) {
          int columns = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            for (int i = 1; i <= columns; i++) {
              String column = rs.getMetaData().getColumnName(i);
              if (column.equals("payload") && (table.equals("lr_leads") || table.equals("lr_quarantine"))) {
                continue; // the lead as received, kept to be delivered
              }
              Object v = rs.getObject(i);
              String text = v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(v);
              cells++;
              found.addAll(piiIn("journal " + table + "." + column, text));
            }
          }
        }
      }
    }
    assertThat(cells).as("journal cells read").isGreaterThan(20);
    return found;
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
