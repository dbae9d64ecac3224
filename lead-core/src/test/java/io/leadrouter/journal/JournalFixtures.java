package io.leadrouter.journal;

import io.leadrouter.Lead;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** What this package's journal tests share: a plain lead, and whether a command the test needs runs here. */
final class JournalFixtures {
  /** When the fixtures' leads were created, and accepted. */
  static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  private JournalFixtures() {}

  /** A lead with a person, a country and a marketplace source: what a journal stores for most leads. */
  static Lead lead(String id) {
    return Lead.builder().id(id).createdTime(T0).firstName("Jane").lastName("Doe").email("jane@contoso.com")
        .country("US").source("AzureMarketplace-INS|contoso.crm").offerTitle("CRM").build();
  }

  /** Whether {@code command} runs and succeeds within 20 s (a tool a test needs, such as unshare or prlimit). */
  static boolean commandWorks(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
