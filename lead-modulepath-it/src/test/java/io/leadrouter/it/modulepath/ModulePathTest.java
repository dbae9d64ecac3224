package io.leadrouter.it.modulepath;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the router in a child JVM started with only {@code --module-path} (no class path): lead-core, lead-http and
 * lead-https as named modules, their dependencies as named or automatic modules. The lead must reach the file sink
 * (provided by core) and the HTTPS sink (provided by lead-https, found by ServiceLoader through {@code provides}).
 */
class ModulePathTest {
  private static final String LEAD_ID = "c0a8e6b2-4f1d-4c3a-9d7e-2b5f8a1c3e01";
  private static final String PAYLOAD = "{\"UserDetails\":{\"FirstName\":\"Megan\",\"LastName\":\"Bowen\","
      + "\"Email\":\"megan.bowen@contoso.com\",\"Phone\":\"+1 425 555 0109\",\"Country\":\"US\","
      + "\"Company\":\"Contoso Ltd\",\"Title\":\"IT Director\"},"
      + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm-connector\",\"ActionCode\":\"INS\","
      + "\"OfferTitle\":\"Contoso CRM Connector\",\"LeadId\":\"" + LEAD_ID + "\","
      + "\"CreatedTime\":\"2026-11-24T09:12:44Z\"}";

  @TempDir Path dir;
  private HttpServer receiver;
  private final List<String> received = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext("/leads", exchange -> {
      String signature = exchange.getRequestHeaders().getFirst("webhook-signature");
      received.add(signature + "\n" + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  @Test
  void routesALeadToTheFileAndHttpsSinksOnTheModulePath() throws Exception {
    Path descriptor = dir.resolve("leadrouter.yaml");
    Files.writeString(descriptor, String.join("\n",
        "journal:",
        "  type: sqlite",
        "  path: leadrouter.db",
        "sinks:",
        "  archive:",
        "    type: file",
        "    path: leads.ndjson",
        "  hook:",
        "    type: https",
        "    url: http://127.0.0.1:" + receiver.getAddress().getPort() + "/leads",
        "    signingSecret: ${MODULEPATH_SIGNING_SECRET}",
        "    allowedHosts: 127.0.0.1",
        "    allowHttpHosts: 127.0.0.1",
        "default: [archive, hook]",
        ""));
    Path payload = dir.resolve("lead.json");
    Files.writeString(payload, PAYLOAD);

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--module-path", modulePath(), "--add-modules", "ALL-MODULE-PATH",
        "-m", "io.leadrouter.it.modulepath/" + RouteOnModulePath.class.getName(),
        descriptor.toString(), payload.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile());
    pb.environment().put("MODULEPATH_SIGNING_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    pb.environment().remove("CLASSPATH");
    Process child = pb.start();
    boolean exited = child.waitFor(120, TimeUnit.SECONDS);
    if (!exited) {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    String log = Files.readString(dir.resolve("child.log"));
    System.out.println(log); // kept in target/surefire-reports

    assertThat(exited).as("child JVM exited within 120 s; its output:%n%s", log).isTrue();
    assertThat(child.exitValue()).as("exit status; output:%n%s", log).isZero();
    assertThat(log)
        .contains("core module: io.leadrouter.core")
        .contains("app module: io.leadrouter.it.modulepath")
        .contains("internal exported: false")
        .contains("provider: file <- io.leadrouter.core")
        .contains("provider: https <- io.leadrouter.https")
        .contains("delivered: [archive, hook]");
    assertThat(Files.readString(dir.resolve("leads.ndjson"))).contains(LEAD_ID);
    assertThat(received).hasSize(1);
    assertThat(received.get(0)).startsWith("v1,").contains(LEAD_ID);
  }

  /** This module's classes, then its runtime dependencies (as Maven resolved them). */
  private static String modulePath() throws IOException {
    String deps = Files.readString(Path.of(System.getProperty("modulepath.file"))).trim();
    return System.getProperty("modulepath.app") + File.pathSeparator + deps;
  }
}
