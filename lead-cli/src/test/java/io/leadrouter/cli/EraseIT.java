package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code leadrouter erase} and {@code inspect erasures} on the real jar: the quickstart's journal and file. */
class EraseIT {
  @TempDir
  Path dir;

  @Test
  void erase_byEmail_removesThePersonFromTheJournalFilesAndTheFileSink_receiptListed() throws Exception {
    Path descriptor = Jar.copyExamples(dir);
    assertThat(Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString()).exit()).isZero();
    // an unreadable payload of the same person (the key twice) is quarantined
    Files.writeString(dir.resolve("bad.ndjson"), "{\"UserDetails\":{\"Email\":\"Megan.Bowen@contoso.com\","
        + "\"email\":\"x\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm-connector\"}\n");
    Jar.run(dir, "route", "bad.ndjson", "-d", descriptor.toString());
    assertThat(scan(dir.resolve("out"))).as("before").isNotEmpty();

    Jar.Result r = Jar.run(dir, "erase", "--email", "MEGAN.BOWEN@contoso.com", "-d", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("erased EMAIL M***@contoso.com: receipt 1").containsPattern("leads +1")
        .containsPattern("quarantine +1").containsPattern("sink.local +1")
        .contains("c0a8e6b2-4f1d-4c3a-9d7e-2b5f8a1c3e01");
    assertThat(r.all()).doesNotContainIgnoringCase("megan.bowen");
    assertThat(scan(dir.resolve("out"))).as("after").isEmpty();
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(7);

    Jar.Result listed = Jar.run(dir, "inspect", "erasures", "-d", descriptor.toString(), "--json");
    assertThat(listed.exit()).as(listed.all()).isZero();
    assertThat(listed.out()).contains("\"subject\" : \"email\"").contains("\"sink.local\" : 1")
        .doesNotContain("c0a8e6b2").doesNotContainIgnoringCase("megan");

    Jar.Result none = Jar.run(dir, "erase", "--phone", "+1 425 555 0109", "-d", descriptor.toString());
    assertThat(none.exit()).as(none.all()).isZero();
    assertThat(none.out()).contains("receipt 2").containsPattern("leads +0");
  }

  /**
   * The address as an operator pastes it (a no-break space from a web page, {@code mailto:}, decomposed {@code ë}
   * from a macOS terminal) erased nothing and still printed "erased" over a table of zeros; a mail client's
   * {@code Name <address>} did the same, and so did a phone number whose lead holds it in full-width digits.
   */
  @Test
  void erase_pastedSpellingsOfTheAddress_eraseThePerson_nameAndAddressRefused() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    String leads = """
        {"UserDetails":{"Email":"Zo\u00EB.M\u00FCller@contoso.com"},"LeadSource":"SPZA-Create|contoso.crm"}
        {"UserDetails":{"Email":"ann@contoso.com"},"LeadSource":"SPZA-Create|contoso.crm"}
        {"UserDetails":{"Email":"keep.me@contoso.com"},"LeadSource":"SPZA-Create|contoso.crm"}
        {"UserDetails":{"Email":"fw@contoso.com","Phone":"\uFF0B\uFF11 \uFF14\uFF12\uFF15 \uFF15\uFF15\uFF15 \uFF10\uFF11\uFF10\uFF10"},"LeadSource":"SPZA-Create|contoso.crm"}
        """;
    assertThat(Jar.run(dir, Map.of(), leads, "route", "-", "-d", descriptor.toString()).exit()).isZero();

    Jar.Result nfd = Jar.run(dir, "erase", "--email", "zoe\u0308.mu\u0308ller@contoso.com\u00A0", "-d",
        descriptor.toString());
    Jar.Result mailto = Jar.run(dir, "erase", "--email", "mailto:ANN@contoso.com", "-d", descriptor.toString());
    Jar.Result named = Jar.run(dir, "erase", "--email", "Keep Me <keep.me@contoso.com>", "-d",
        descriptor.toString());
    Jar.Result absent = Jar.run(dir, "erase", "--email", "nobody@contoso.com", "-d", descriptor.toString());
    // the lead's number in full-width digits, as the intake keeps it
    Jar.Result phone = Jar.run(dir, "erase", "--phone", "+1 (425) 555-0100", "-d", descriptor.toString());

    assertThat(nfd.exit()).as(nfd.all()).isZero();
    assertThat(nfd.out()).containsPattern("leads +1").containsPattern("sink.local +1").doesNotContain("nothing held");
    assertThat(mailto.exit()).as(mailto.all()).isZero();
    assertThat(mailto.out()).containsPattern("leads +1").containsPattern("sink.local +1");
    assertThat(named.exit()).as(named.all()).isEqualTo(Main.USAGE);
    assertThat(named.err()).contains("holds the address in angle brackets (Name <address>, as a mail client copies"
        + " it): give the address alone").doesNotContain("keep.me");
    assertThat(absent.exit()).as(absent.all()).isZero();
    assertThat(absent.out()).containsPattern("leads +0").contains("nothing held EMAIL n***@contoso.com (no lead,"
        + " delivery, quarantined payload or file line): if the person sent leads, give the identifier as their"
        + " leads carry it").doesNotContain("nobody@");
    assertThat(phone.exit()).as(phone.all()).isZero();
    assertThat(phone.out()).containsPattern("leads +1").containsPattern("sink.local +1");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).singleElement().asString().contains("keep.me@contoso.com");
  }

  @Test
  void erase_withoutAnIdentifier_isAUsageError() throws Exception {
    Path descriptor = Jar.copyExamples(dir);
    Jar.Result r = Jar.run(dir, "erase", "-d", descriptor.toString());
    assertThat(r.exit()).isEqualTo(Main.USAGE);
    assertThat(r.err()).contains("--email").contains("--phone").contains("--lead-id");
  }

  @Test
  void erase_aLeadIdOrPhoneThatCannotBeOne_isAUsageErrorNamingTheOptionAndWhatItTakes() throws Exception {
    // it was exit 3 ("could not run": the journal in use, an I/O error), which a script retries forever
    Path descriptor = Jar.copyExamples(dir);
    Jar.Result r = Jar.run(dir, "erase", "--lead-id", "", "-d", descriptor.toString());
    assertThat(r.exit()).as(r.all()).isEqualTo(Main.USAGE);
    assertThat(r.err()).contains("--lead-id: '' is not a valid lead id (use 1 to 128 characters of");
    Jar.Result phone = Jar.run(dir, "erase", "--phone", "abc", "-d", descriptor.toString());
    assertThat(phone.exit()).as(phone.all()).isEqualTo(Main.USAGE);
    assertThat(phone.err()).as("names the option").contains("--phone: a phone number needs at least 6 digits");
  }

  /**
   * An erasure done in part (a reader, here an open {@code sqlite3}-like transaction, blocked the checkpoint that
   * overwrites the journal's files) printed only the error, exit 3 ("could not run"): the erased lead ids, needed to
   * find the CRMs' records and kept nowhere else, were lost. Now the receipt is printed, then what is left, exit 4.
   */
  @Test
  void erase_doneInPart_printsWhatWasErasedAndTheLeadIds_thenWhatIsLeft_exitFour() throws Exception {
    Path descriptor = Jar.copyExamples(dir);
    assertThat(Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString()).exit()).isZero();
    Jar.Result r;
    Jar.Result json;
    try (java.sql.Connection reader = java.sql.DriverManager.getConnection(
        "jdbc:sqlite:" + dir.resolve("out/leadrouter.db"))) {
      reader.setAutoCommit(false);
      try (java.sql.Statement st = reader.createStatement();
          java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM lr_leads")) {
        assertThat(rs.next()).isTrue(); // holds its snapshot, as an open sqlite3 transaction does
      }
      r = Jar.run(dir, "erase", "--email", "megan.bowen@contoso.com", "-d", descriptor.toString());
      json = Jar.run(dir, "erase", "--email", "alexw@fabrikam.com", "-d", descriptor.toString(), "--json");
      reader.rollback();
    }

    assertThat(r.exit()).as(r.all()).isEqualTo(Main.PARTIAL);
    assertThat(r.out()).contains("erased in part EMAIL m***@contoso.com: receipt 1").containsPattern("leads +1")
        .containsPattern("sink.local +1").contains("c0a8e6b2-4f1d-4c3a-9d7e-2b5f8a1c3e01")
        .contains("not yet erased from: ");
    assertThat(r.err()).contains("leadrouter: the person's data is erased from the journal (receipt 1), but not yet"
        + " from: ").contains("leadrouter.db").contains("erase again");
    assertThat(r.all()).doesNotContainIgnoringCase("megan.bowen");
    assertThat(json.exit()).as(json.all()).isEqualTo(Main.PARTIAL);
    assertThat(json.out()).contains("\"erasedLeads\"").contains("\"notYetErasedFrom\"");

    Jar.Result again = Jar.run(dir, "erase", "--email", "megan.bowen@contoso.com", "-d", descriptor.toString());
    assertThat(again.exit()).as(again.all()).isZero();
    assertThat(scan(dir.resolve("out"))).isEmpty();
  }

  /**
   * Erasing by a bare number left the leads holding it with an extension (a switchboard's number, shared by
   * colleagues: rightly not erased) without a word. They are still not erased, and the output says how many and the
   * extension form to give.
   */
  @Test
  void erase_byABareNumber_leavesTheNumberWithAnExtension_andSaysWhichFormToGive() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    String leads = """
        {"UserDetails":{"Email":"a@contoso.com","Phone":"+1 425 555 0100"},"LeadSource":"SPZA-Create|contoso.crm"}
        {"UserDetails":{"Email":"b@contoso.com","Phone":"+1 425 555 0100 ext. 12"},"LeadSource":"SPZA-Create|contoso.crm"}
        {"UserDetails":{"Email":"c@contoso.com","Phone":"+1-425-555-0100x14"},"LeadSource":"SPZA-Create|contoso.crm"}
        """;
    Files.writeString(dir.resolve("leads.ndjson"), leads);
    assertThat(Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString()).exit()).isZero();

    Jar.Result r = Jar.run(dir, "erase", "--phone", "+1 (425) 555-0100", "-d", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).containsPattern("leads +1");
    // on the receipt printed (it was a log line only, on stderr, gone at a lower log level and from --json)
    assertThat(r.out()).contains("left: 2 leads hold this number with an extension (ext. 12, ext. 14), not erased")
        .contains("leadrouter erase --phone '<the number> ext. 12'");
    Jar.Result json = Jar.run(dir, "erase", "--phone", "+1 (425) 555-0100", "-d", descriptor.toString(), "--json");
    assertThat(json.exit()).as(json.all()).isZero();
    assertThat(json.out()).containsPattern("\"extensionsLeft\" : \\{\\s*\"12\" : 1,\\s*\"14\" : 1\\s*}");
    assertThat(r.all() + json.all()).doesNotContain("425 555 0100").doesNotContain("425-555-0100");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(2);

    Jar.Result one = Jar.run(dir, "erase", "--phone", "+1 425 555 0100 ext. 12", "-d", descriptor.toString());
    assertThat(one.exit()).as(one.all()).isZero();
    assertThat(one.out()).containsPattern("leads +1");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(1);
  }

  /** The files holding the person's values, in any case. */
  private static List<String> scan(Path folder) throws Exception {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        for (String v : List.of("megan.bowen@contoso.com", "megan", "bowen", "555 0109")) {
          if (text.contains(v)) {
            found.add(v + " in " + f.getFileName());
          }
        }
      }
    }
    return found;
  }
}
