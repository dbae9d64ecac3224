package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A new user's descriptor mistakes on the real jar: one run names the file and every problem, exit 2. */
class DescriptorErrorsIT {
  @TempDir
  Path dir;

  @Test
  void descriptorAndSinkMistakes_areReportedTogether_namingTheFile_beforeAnyLeadIsRead() throws Exception {
    Path descriptor = Files.writeString(dir.resolve("leadrouter.yaml"), """
        sinks:
          local:
            type: file
            path: out/leads.ndjson
            timeout: fast
            delivery:
              maxConcurency: 4
          crm:
            type: dynamics
            instanceUrl: http://contoso.crm.dynamics.com
            tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
            clientId: 11111111-2222-3333-4444-555555555555
            clientSecret: ${DESCRIPTOR_ERRORS_IT_UNSET}
        destinatons: [local]
        default: [local]
        """);
    Files.writeString(dir.resolve("leads.ndjson"), "{\"LeadId\":\"a-1\",\"UserDetails\":{\"Email\":\"a@b.com\"}}\n");

    Jar.Result r = Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("leadrouter: invalid configuration in " + descriptor + " (5 problems):")
        .contains("  - destinatons: is not a descriptor section (use one of journal, sinks, routes, default)")
        .contains("  - sinks.local.delivery.maxConcurency: is not a delivery setting (did you mean 'maxConcurrency'? "
            + "otherwise use one of maxConcurrency,")
        .contains("  - sinks.crm.clientSecret: environment variable DESCRIPTOR_ERRORS_IT_UNSET is not set")
        .contains("  - sinks.local.timeout: is not a setting of the file sink (remove it or check its spelling)")
        .contains("  - sinks.crm.instanceUrl: 'http://contoso.crm.dynamics.com' is not an https URL (write it as "
            + "https://<org>.crm.dynamics.com)");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  /**
   * {@code leadrouter route leads.ndjson -d <(envsubst < leadrouter.yaml)} in a real bash: the descriptor is a pipe,
   * {@code /dev/fd/63}, without an extension; it was refused as "not a .yaml, .yml or .json file", and its relative
   * paths would have resolved against {@code /dev/fd}. It is read as YAML, its paths against the working directory.
   */
  @Test
  @org.junit.jupiter.api.condition.EnabledOnOs(org.junit.jupiter.api.condition.OS.LINUX)
  void aDescriptorFromProcessSubstitution_isRead_andItsPathsAreTheWorkingDirectorys() throws Exception {
    Files.writeString(dir.resolve("leadrouter.yaml"), """
        journal: {path: data/leadrouter.db}
        sinks:
          local: {type: file, path: out/leads.ndjson}
        default: [local]
        """);
    Files.writeString(dir.resolve("leads.ndjson"), "{\"LeadId\":\"pipe-1\",\"UserDetails\":{\"Email\":\"a@b.com\"}}\n");
    Process p = new ProcessBuilder("bash", "-c", "exec \"$0\" -jar \"$1\" route leads.ndjson -d <(cat leadrouter.yaml)",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), Jar.jar().toAbsolutePath().toString())
        .directory(dir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes(); // bounded by the process, which the wait below bounds
    assertThat(p.waitFor(Jar.TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    String output = new String(out, java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(dir.resolve("out/leads.ndjson")).as(output).isNotEmptyFile();
    assertThat(dir.resolve("data/leadrouter.db")).exists();
  }

  @Test
  void sinkMistakesAlone_foundWhenTheRouterIsBuilt_stillNameTheFile() throws Exception {
    Path descriptor = Files.writeString(dir.resolve("leadrouter.yaml"), """
        sinks:
          local:
            type: file
            pth: out/leads.ndjson
        default: [local]
        """);

    Jar.Result r = Jar.run(dir, "verify", "-d", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("leadrouter: invalid configuration in " + descriptor + " (2 problems):\n"
        + "  - sinks.local.path: is required (set path for the file sink)\n"
        + "  - sinks.local.pth: is not a setting of the file sink (did you mean 'path'? otherwise remove it)\n");
  }

  /**
   * Secrets where they do not belong, beside typos: a client secret pasted into {@code clientId} and into a
   * duration, a Marketo-shaped secret as a sink's timeout, a journal URL carrying its password, URLs with a password
   * or a token as user info, a customer's e-mail as a sink name. The real jar names every field and what to fix, and
   * prints none of them.
   */
  @Test
  void secretsInTheWrongFields_besideTypos_areNeverPrinted() throws Exception {
    Path descriptor = Files.writeString(dir.resolve("leadrouter.yaml"), """
        sinks:
          crm:
            type: dynamics
            instanceUrl: https://svc:Url-Pa55word-41@contoso.crm.dynamics.com
            tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
            clientId: Xq78Q~k2Jd.pS9fLw_ZbV3nYt-R6uHcE1mAo4iGx
            clientSecret: ${DESCRIPTOR_ERRORS_IT_UNSET}
            timeout: Rl1ZcKzWjVMC5zaQjwPQ8eRvZC5J0V7d
            delivery:
              initialBackoff: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
          hooks:
            type: https
            url: https://ghp_T0kenAsUserInfo9876@hooks.example.com/leads?password=Hook-Pa55word-3
        destinatons: [crm]
        default: [crm, jane.doe@contoso.com]
        """);

    Jar.Result r = Jar.run(dir, "verify", "-d", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isEqualTo(2);
    assertThat(r.err()).startsWith("leadrouter: invalid configuration in " + descriptor)
        .contains("destinatons: is not a descriptor section", "sinks.crm.delivery.initialBackoff",
            "default", "j***@contoso.com");
    assertThat(r.all()).doesNotContain("Url-Pa55word-41", "Xq78Q~k2Jd", "Rl1ZcKzWjVMC5zaQ", "MfKQ9r8GKYqrTwj",
        "ghp_T0kenAsUserInfo9876", "Hook-Pa55word-3", "jane.doe");
  }
}
