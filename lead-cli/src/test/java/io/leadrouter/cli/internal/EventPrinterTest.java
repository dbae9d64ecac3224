package io.leadrouter.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadId;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.ReadResult;
import io.leadrouter.spi.Diagnosis;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventPrinterTest {
  private static final Instant T = Instant.parse("2026-11-25T12:00:00Z");

  @Test
  void describe_dncLead_masksEmailAndSaysDoNotContact() {
    Lead lead = Lead.builder().id("a-1").email("jane.doe@contoso.com").phone("+1 425 555 0100").country("US")
        .source("AzurePortal-DNC|contoso.crm").build();

    assertThat(EventPrinter.describe(lead)).isEqualTo("j***@contoso.com  AzurePortal-DNC|contoso.crm  [do not "
        + "contact]");
  }

  @Test
  void onEvent_unusableLeadIdReplacedByADerivedOne_acceptedLineShowsTheFlagAsExplainDoes() {
    StringWriter s = new StringWriter();
    EventPrinter p = new EventPrinter(new PrintWriter(s, true));
    byte[] line = ("{\"LeadId\":\"order 42/7\",\"UserDetails\":{\"Email\":\"ann@contoso.com\"},"
        + "\"LeadSource\":\"SPZA-Create|x\"}").getBytes(StandardCharsets.UTF_8);
    Lead lead = ((ReadResult.Readable) MarketplaceCodec.standard().readLine(line, 3)).lead();
    p.label(lead, "line 3");

    p.onEvent(new LeadEvent(LeadEvent.Type.ACCEPTED, lead.id(), "", T, 0, Optional.empty(), Optional.empty(),
        Optional.empty()));

    assertThat(s.toString().lines()).containsExactly("accepted       " + lead.id() + "  line 3: a***@contoso.com  "
        + "SPZA-Create|x  [LEAD_ID_UNUSABLE LeadId: 'order 42/7' is not a valid lead id; an id derived from"
        + " the payload is used (sent as 'order 42/7')]");
  }

  @Test
  void describe_anonymousLead_saysSo() {
    Lead lead = Lead.builder().id("a-2").country("US").source("AzureMarketplace-PLT|contoso.crm").build();

    assertThat(EventPrinter.describe(lead)).isEqualTo("(no e-mail)  AzureMarketplace-PLT|contoso.crm  [anonymous]");
  }

  @Test
  void onEvent_acceptedThenDeadLettered_printsLabelAndDiagnosis() {
    StringWriter s = new StringWriter();
    EventPrinter p = new EventPrinter(new PrintWriter(s, true));
    Lead lead = Lead.builder().id("a-3").email("bob@contoso.com").source("SPZA-Create|contoso.crm").build();
    p.label(lead, "line 7");

    p.onEvent(new LeadEvent(LeadEvent.Type.ACCEPTED, LeadId.of("a-3"), "", T, 0, Optional.empty(), Optional.empty(),
        Optional.empty()));
    p.onEvent(new LeadEvent(LeadEvent.Type.DEAD_LETTERED, LeadId.of("a-3"), "local", T, 1, Optional.empty(),
        Optional.of(new Diagnosis("FILE_NOT_WRITABLE", "cannot write x", "fix x")), Optional.empty()));

    assertThat(s.toString().lines()).containsExactly(
        "accepted       a-3  line 7: b***@contoso.com  SPZA-Create|contoso.crm",
        "dead-lettered  a-3 -> local: FILE_NOT_WRITABLE: cannot write x. Fix: fix x");
  }

  @Test
  void onEvent_bidiOverridesInTheSendersText_shownAsCodePoints() {
    StringWriter s = new StringWriter();
    EventPrinter p = new EventPrinter(new PrintWriter(s, true));
    Lead lead = Lead.builder().id("a-4").email("ann@con\u202etoso.com").source("SPZA-Create|x\u202eevil\u2066")
        .build();
    p.label(lead, "line 2");

    p.onEvent(new LeadEvent(LeadEvent.Type.ACCEPTED, LeadId.of("a-4"), "", T, 0, Optional.empty(), Optional.empty(),
        Optional.empty()));

    assertThat(s.toString().lines()).containsExactly(
        "accepted       a-4  line 2: a***@con<U+202E>toso.com  SPZA-Create|x<U+202E>evil<U+2066>");
  }
}
