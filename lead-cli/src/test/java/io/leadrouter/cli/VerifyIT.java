package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code leadrouter verify} on the real jar: exit codes, the table, and secrets never printed. */
class VerifyIT {
  private static final String SECRET = "Xq8~s3cr3t-v4lue-never-printed";

  @TempDir
  Path dir;

  @Test
  void verify_writableFileSink_passesExitZero() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");

    Jar.Result r = Jar.run(dir, "verify", "--descriptor", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("SINK   TYPE  STEP      RESULT  CODE  DETAIL").contains("local  file  writable  passed")
        .contains("verify: all 1 sinks passed");
    assertThat(r.err()).doesNotContain("in-memory journal");
  }

  @Test
  void verify_fileSinkPathIsAFolder_failsWithDiagnosisExitOne() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    Files.createDirectories(dir.resolve("out/leads.ndjson"));

    Jar.Result r = Jar.run(dir, "verify", "--descriptor", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).contains("local  file  writable  failed  FILE_NOT_WRITABLE")
        .contains("make " + dir.toRealPath().resolve("out/leads.ndjson") + " a writable file path")
        .contains("verify: 1 of 1 sinks failed (1 failed steps)");
  }

  @Test
  void verify_secretFromEnvironment_neverPrinted() throws Exception {
    Path descriptor = Files.writeString(dir.resolve("leadrouter.yaml"), """
        journal: {type: sqlite, path: out/leadrouter.db}
        sinks:
        %s
        default: [crm]
        """.formatted(Jar.UNREACHABLE_DYNAMICS));

    Jar.Result r = Jar.run(dir, Map.of("LR_IT_SECRET", SECRET), null, "verify", "--verbose", "-d",
        descriptor.toString());

    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).contains("crm   dynamics").contains("failed");
    assertThat(r.all()).doesNotContain(SECRET).doesNotContain("s3cr3t");
  }

  @Test
  void verify_secretWrittenInline_refusedWithoutPrintingIt() throws Exception {
    Path descriptor = Files.writeString(dir.resolve("leadrouter.yaml"), """
        sinks:
          crm:
            type: dynamics
            instanceUrl: https://contoso.crm.dynamics.com
            tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
            clientId: 11111111-2222-3333-4444-555555555555
            clientSecret: %s
        default: [crm]
        """.formatted(SECRET));

    Jar.Result r = Jar.run(dir, "verify", "-d", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isEqualTo(2);
    assertThat(r.err()).contains("sinks.crm.clientSecret").contains("inline");
    assertThat(r.all()).doesNotContain(SECRET).doesNotContain("s3cr3t");
  }
}
