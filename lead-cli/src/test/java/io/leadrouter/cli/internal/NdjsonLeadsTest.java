package io.leadrouter.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.MarketplaceCodec;
import io.leadrouter.ReadResult;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class NdjsonLeadsTest {
  private static final String LEAD = "{\"UserDetails\":{\"Email\":\"%s@contoso.com\"},\"LeadSource\":\"SPZA-Create|x\"}";

  /** Lines ending with CR alone were one unreadable line whose fix said only "send one lead per line". */
  @Test
  void next_linesEndingWithCrAlone_unreadableSayingSoAndHowToFixTheFile() throws Exception {
    String input = LEAD.formatted("ann") + "\r" + LEAD.formatted("bob") + "\r";
    NdjsonLeads leads = new NdjsonLeads(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
        MarketplaceCodec.standard());

    List<NdjsonLeads.Part> parts = leads.next();

    assertThat(parts).singleElement().satisfies(p -> {
      assertThat(p.where()).isEqualTo("line 1");
      assertThat(p.result()).isInstanceOfSatisfying(ReadResult.Unreadable.class, u -> {
        assertThat(u.diagnosis().code()).isEqualTo("PAYLOAD_SEVERAL_OBJECTS");
        assertThat(u.diagnosis().message()).endsWith("; the line holds line breaks written as CR (0x0D) alone,"
            + " which NDJSON does not split at");
        assertThat(u.diagnosis().remediation()).startsWith("end each line with LF or CRLF");
      });
    });
    assertThat(leads.next()).isNull();
  }
}
