package io.leadrouter.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.MarketplaceCodec;
import io.leadrouter.ReadResult;
import java.io.ByteArrayInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

  /**
   * A UTF-16LE file (as Windows tools write it, with a byte-order mark) ends with 0A 00: the 00 after the last line
   * break was read as one more line and quarantined, a lead that never was; and each later line began with that
   * 00, so it was diagnosed as UTF-16BE.
   */
  @ParameterizedTest
  @CsvSource({"UTF-16LE, FFFE, LF", "UTF-16LE, FFFE, CRLF", "UTF-16LE, '', LF", "UTF-32LE, FFFE0000, LF",
      "UTF-16BE, FEFF, LF"})
  void next_littleEndianWideFile_noPhantomLineAfterTheLastLineBreak_eachLineSaysItIsNotUtf8(String charset,
      String mark, String lineBreak) throws Exception {
    String eol = "CRLF".equals(lineBreak) ? "\r\n" : "\n";
    String text = LEAD.formatted("ann") + eol + LEAD.formatted("bob") + eol;
    byte[] input = concat(HexFormat.of().parseHex(mark), text.getBytes(Charset.forName(charset)));
    NdjsonLeads leads = new NdjsonLeads(new ByteArrayInputStream(input), MarketplaceCodec.standard());

    List<String> lines = new ArrayList<>();
    List<NdjsonLeads.Part> parts;
    while ((parts = leads.next()) != null) {
      for (NdjsonLeads.Part p : parts) {
        assertThat(p.result()).as(p.where()).isInstanceOfSatisfying(ReadResult.Unreadable.class, u -> {
          assertThat(u.diagnosis().code()).isEqualTo("PAYLOAD_NOT_UTF8");
          // every line in its own encoding: a later line's leading 00 (the rest of the line break before it)
          // once made a UTF-16LE line look UTF-16BE
          assertThat(u.diagnosis().message()).contains("looks " + charset + " (");
          assertThat(u.diagnosis().remediation()).isEqualTo("send NDJSON encoded as UTF-8");
        });
        lines.add(p.where());
      }
    }

    assertThat(lines).containsExactly("line 1", "line 2");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
