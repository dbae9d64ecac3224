package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.file.FileSink;
import io.leadrouter.journal.SqliteJournal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sender may make a lead's id of the customer's e-mail or phone ({@code form:jane@...}, {@code tel-4915112345678});
 * the router's log lines and spans mask it ({@link Pii#maskLeadId}), but the {@code toString()} of the lead, of its
 * routing receipt and of an erasure receipt (what a caller logs: "routed {}", "erased {}") showed it whole.
 */
@Timeout(60)
class LeadIdInToStringTest {
  private static final String BY_MAIL = "form:ottoline.vexcombe@contoso.com";
  private static final String BY_PHONE = "tel-4915112345678";

  @TempDir Path dir;

  @Test
  void leadRoutingReceiptAndErasureReceipt_showALeadIdMadeOfTheCustomersDataMasked() {
    Lead byPhone = Lead.builder().id(BY_PHONE).email("p@contoso.com").build();
    Lead byMail = Lead.builder().id(BY_MAIL).email("q@contoso.com").build();
    String shown;
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("archive", FileSink.open(dir.resolve("out.ndjson"))).defaultRoute("archive").build()) {
      shown = byPhone + " " + byMail + " " + router.route(byPhone) + " " + router.route(byMail);
    }
    ErasureReceipt erased = new ErasureReceipt(1, Instant.EPOCH, "email", Map.of("leads", 2L), List.of(),
        List.of(LeadId.of(BY_MAIL), LeadId.of(BY_PHONE)), Map.of("12", 1L));
    shown += " " + erased;

    assertThat(shown).doesNotContain("ottoline", "4915112345678")
        .contains("Lead[id=tel-***78", "RoutingReceipt[form:o***@contoso.com", "RoutingReceipt[tel-***78",
            "erasedLeads=[form:o***@contoso.com, tel-***78]", "leadsLeftWithExtension=1");
  }
}
