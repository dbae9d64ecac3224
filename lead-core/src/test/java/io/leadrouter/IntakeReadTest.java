package io.leadrouter;

import static io.leadrouter.Payloads.readable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.leadrouter.internal.journal.LeadPayload;
import io.leadrouter.spi.Diagnosis;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The strict reading of marketplace payloads (#16): unambiguous or quarantined, never coerced, never refused. */
class IntakeReadTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();

  private static Diagnosis unreadable(String json) {
    return unreadable(json.getBytes(StandardCharsets.UTF_8));
  }

  private static Diagnosis unreadable(byte[] bytes) {
    ReadResult r = CODEC.read(bytes);
    assertThat(r).isInstanceOf(ReadResult.Unreadable.class);
    return ((ReadResult.Unreadable) r).diagnosis();
  }

  @Test
  void duplicateKey_inAnyCase_isUnreadable_namingBothSpellings() {
    Diagnosis d = unreadable("{\"UserDetails\":{\"Email\":\"a@b.com\",\"email\":\"evil@x.com\"},\"LeadSource\":\"x\"}");

    assertThat(d.code()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
    assertThat(d.message()).isEqualTo("UserDetails.email at line 1, column 35: the key appears as 'Email' and as"
        + " 'email' (first at line 1, column 17); keys are matched regardless of case, so which value is meant"
        + " cannot be told");
    assertThat(d.toString()).doesNotContain("evil", "a@b.com");
  }

  /** Payloads that cannot be read unambiguously, and their whole diagnosis: the code, where, why, and the fix. */
  static Stream<Arguments> unreadablePayloads() {
    String text = "must be a text (a JSON string in double quotes); it is not converted. Fix: send %s as a text (a JSON"
        + " string in double quotes)";
    String broken = ". Fix: send the marketplace's lead JSON object, complete and well-formed";
    String trailing = "more text follows the lead object. Fix: send exactly one JSON object, with nothing after it";
    return Stream.of(
        // UserDetails and CustomerInfo are one key (aliases), so both at once is a duplicate key
        arguments("{\"UserDetails\":{},\"customerinfo\":{},\"LeadSource\":\"x\"}",
            "PAYLOAD_DUPLICATE_KEY: customerinfo at line 1, column 19: the key appears as 'UserDetails' and as"
                + " 'customerinfo' (first at line 1, column 2); keys are matched regardless of case, so which value is"
                + " meant cannot be told. Fix: send each key once"),
        // wrong types are never coerced
        arguments("{\"UserDetails\":{\"FirstName\":{\"first\":\"John\"}},\"LeadSource\":\"x\"}",
            "PAYLOAD_WRONG_TYPE: UserDetails.FirstName at line 1, column 29: is an object, but "
                + text.formatted("FirstName")),
        arguments("{\"UserDetails\":[{\"Email\":\"a@b.com\"}],\"LeadSource\":\"x\"}",
            "PAYLOAD_WRONG_TYPE: UserDetails at line 1, column 16: is an array, but must be a JSON object, like"
                + " {\"Email\":\"...\"}; it is not converted. Fix: send UserDetails as a JSON object, like"
                + " {\"Email\":\"...\"}"),
        arguments("{\"UserDetails\":{\"Phone\":1e400},\"LeadSource\":\"x\"}",
            "PAYLOAD_WRONG_TYPE: UserDetails.Phone at line 1, column 25: is a number, but " + text.formatted("Phone")),
        arguments("{\"UserDetails\":{},\"LeadSource\":true}",
            "PAYLOAD_WRONG_TYPE: LeadSource at line 1, column 32: is a boolean, but " + text.formatted("LeadSource")),
        // trailing data, and a second object
        arguments("{\"LeadSource\":\"x\"} garbage", "PAYLOAD_TRAILING_DATA: body at line 1, column 20: " + trailing),
        arguments("{\"LeadSource\":\"x\"},{}", "PAYLOAD_TRAILING_DATA: body at line 1, column 19: " + trailing),
        arguments("{\"LeadSource\":\"x\"}{\"LeadSource\":\"y\"}",
            "PAYLOAD_SEVERAL_OBJECTS: body at line 1, column 19: a second JSON object follows the lead; which one is"
                + " meant cannot be told. Fix: send one lead per line (NDJSON) or per request"),
        // broken JSON says where, without the parser's hints
        arguments("{\"LeadSource\":\"x\",\"a\":NaN}",
            "PAYLOAD_BROKEN_JSON: body at line 1, column 26: is not valid JSON: Non-standard token 'NaN'" + broken),
        arguments("{\"LeadSource\":",
            "PAYLOAD_BROKEN_JSON: body at line 1, column 15: is not valid JSON: the text ends too early inside an"
                + " object" + broken));
  }

  @ParameterizedTest
  @MethodSource("unreadablePayloads")
  void unreadable_saysWhereWhyAndTheFix(String payload, String diagnosis) {
    assertThat(unreadable(payload)).hasToString(diagnosis);
  }

  @Test
  void ndjsonLine_positionsNameTheLine() {
    ReadResult r = CODEC.readLine("{\"LeadSource\":\"x\"} {\"LeadSource\":\"y\"}".getBytes(StandardCharsets.UTF_8),
        42);

    assertThat(((ReadResult.Unreadable) r).diagnosis().message()).startsWith("line 42, column 20: a second JSON");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "C0 80|byte 0xC0 starts an overlong encoding",
      "E0 80 80|bytes 0xE0 0x80 are an overlong encoding",
      "ED A0 80|bytes 0xED 0xA0 encode a UTF-16 surrogate (half of a character)",
      "F4 90 80 80|bytes 0xF4 0x90 encode a code point above U+10FFFF",
      "FF|byte 0xFF never occurs in UTF-8",
      "80|byte 0x80 continues a character that never started",
      "C3 41|byte 0x41 cannot follow 0xC3 (a character is cut short)"})
  void invalidUtf8_isUnreadable_withTheReasonAndPosition(String hex, String reason) {
    byte[] prefix = "{\"UserDetails\":{\"FirstName\":\"Zo".getBytes(StandardCharsets.UTF_8);
    byte[] bad = java.util.HexFormat.ofDelimiter(" ").parseHex(hex);
    byte[] suffix = "\"},\"LeadSource\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[prefix.length + bad.length + suffix.length];
    System.arraycopy(prefix, 0, body, 0, prefix.length);
    System.arraycopy(bad, 0, body, prefix.length, bad.length);
    System.arraycopy(suffix, 0, body, prefix.length + bad.length, suffix.length);

    Diagnosis d = unreadable(body);

    assertThat(d.code()).isEqualTo("PAYLOAD_INVALID_UTF8");
    assertThat(d.message()).contains(reason).contains("line 1, column 3" + (hex.startsWith("C3") ? "3" : "2"));
  }

  @Test
  void loneSurrogateEscape_isUnreadable() {
    assertThat(unreadable("{\"UserDetails\":{\"FirstName\":\"a\\uDC00\"},\"LeadSource\":\"x\"}").message())
        .isEqualTo("UserDetails.FirstName at line 1, column 29: holds a lone surrogate \\uDC00 at character 2, half"
            + " of a character that cannot be read");
    // a proper pair is one character
    assertThat(readable("{\"UserDetails\":{\"FirstName\":\"\\uD83D\\uDE00\"},\"LeadSource\":\"x\"}").customer()
        .firstName()).isEqualTo("\uD83D\uDE00");
  }

  /**
   * An escaped lone surrogate in a key is JSON (RFC 8259 allows the escape) holding half a character, as in a value:
   * before, the parser's refusal was passed on as PAYLOAD_BROKEN_JSON "is not valid JSON: Broken surrogate pair in field
   * name", naming neither the object nor the fix.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"UserDetails\":{\"Em\\ud800ail\":\"a@b.com\"},\"LeadSource\":\"x\"}|UserDetails at line 1, column 17: holds"
          + " a key with a lone surrogate \\uD800",
      "{\"LeadSource\":\"x\",\"x\\udc00\":1}|body at line 1, column 19: holds a key with a lone surrogate \\uDC00",
      "{\"LeadSource\":\"x\",\"X\":[{\"\\ud83d\\u0041\":1}]}|X[0] at line 1, column 25: holds a key with a lone"
          + " surrogate \\uD83D",
      "{\"CustomerInfo\":\"{\\\"\\\\udc00\\\":1}\",\"LeadSource\":\"x\"}|CustomerInfo at line 1, column 2 of the"
          + " CustomerInfo text at line 1, column 17: holds a key with a lone surrogate \\uDC00"})
  void loneSurrogateEscapeInAKey_isUnreadableAsInAValue_namingTheObject(String payload, String message) {
    Diagnosis d = unreadable(payload);

    assertThat(d).hasToString("PAYLOAD_LONE_SURROGATE: " + message + ", half of a character that cannot be read. Fix:"
        + " send the key as valid Unicode");
  }

  @Test
  void absurdNesting_isUnreadable_withoutParserInternals() {
    Diagnosis d = unreadable("{\"LeadSource\":\"x\",\"a\":" + "[".repeat(100) + "]".repeat(100) + "}");

    assertThat(d.code()).isEqualTo("PAYLOAD_TOO_DEEP");
    assertThat(d.message()).contains("nested more than 16 levels deep").doesNotContain("StreamReadConstraints");
  }

  @Test
  void notJsonAtAll_andEmpty_areNotALead_whileJsonOfAnotherShapeIsQuarantined() {
    assertThat(((ReadResult.Unreadable) CODEC.read("hello".getBytes(StandardCharsets.UTF_8))).notALead()).isTrue();
    assertThat(((ReadResult.Unreadable) CODEC.read(" \n".getBytes(StandardCharsets.UTF_8))).notALead()).isTrue();
    ReadResult.Unreadable array = (ReadResult.Unreadable) CODEC.read("[1]".getBytes(StandardCharsets.UTF_8));
    assertThat(array.notALead()).isFalse();
    assertThat(array.diagnosis().message()).isEqualTo("body at line 1, column 1: is an array, not the"
        + " marketplace's lead object");
    assertThat(unreadable("{\"foo\":1}").code()).isEqualTo("PAYLOAD_NO_LEAD_FIELDS");
  }

  @Test
  void unknownKeys_areKeptVerbatim_numbersAsWritten_structuresAsTheirJson() {
    Lead lead = readable("{\"UserDetails\":{\"Email\":\"a@contoso.com\",\"Fax\":\"1\",\"X\":{\"a\":1e400}},"
        + "\"LeadSource\":\"AzureMarketplace-INS|x\",\"n\":1e400,\"o\":{\"k\": [1, 2.50]},\"b\":false}");

    assertThat(lead.attributes()).containsExactly(Map.entry("UserDetails.Fax", "1"),
        Map.entry("UserDetails.X", "{\"a\":1e400}"), Map.entry("n", "1e400"), Map.entry("o", "{\"k\": [1, 2.50]}"),
        Map.entry("b", "false"));
    assertThat(lead.flags()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"USA,US", "usa,US", "us,US", "United States,US", "united states,US", "deu,DE",
      "Germany,DE", "GBR,GB", "United Kingdom,GB", "jp,JP", "' DE ',DE", "UK,GB", "United States of America,US", "Cote d'Ivoire,CI",
      "840,US", "276,DE", "036,AU", "004,AF", "' 826 ',GB"})
  void country_isNormalised_keepingTheOriginal(String sent, String alpha2) {
    Lead lead = readable("{\"UserDetails\":{\"Country\":\"" + sent + "\"},\"LeadSource\":\"AzureMarketplace-INS|x\"}");

    assertThat(lead.customer().country()).isEqualTo(alpha2);
    assertThat(lead.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.COUNTRY_NORMALISED);
      assertThat(f.path()).isEqualTo("UserDetails.Country");
      assertThat(f.original()).isEqualTo(sent);
    });
  }

  @Test
  void country_alreadyAlpha2_isNotFlagged() {
    assertThat(readable("{\"UserDetails\":{\"Country\":\"US\"},\"LeadSource\":\"AzureMarketplace-INS|x\"}").flags())
        .isEmpty();
  }

  /**
   * A country no code or name names, or a numeric code no country has, is kept and flagged at its path as sent. (UK,
   * ISO's "exceptionally reserved" code for the United Kingdom, is read as GB: see CountriesTest.)
   */
  @ParameterizedTest
  @CsvSource({"userdetails, country, Atlantis", "UserDetails, Country, 900"})
  void country_unknownOrANumericCodeNoCountryHas_isKeptAndFlaggedAsUnknown(String details, String key, String sent) {
    Lead unknown = readable("{\"" + details + "\":{\"" + key + "\":\"" + sent + "\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|x\"}");

    assertThat(unknown.customer().country()).isEqualTo(sent);
    assertThat(unknown.flags()).singleElement().hasToString("COUNTRY_UNRECOGNISED " + details + "." + key + ": '"
        + sent + "' is no ISO 3166 country code or English country name: kept as sent");
  }

  @Test
  void personalData_inFieldsThatAreQuotedInFlags_isMasked() {
    Lead lead = readable("{\"UserDetails\":{\"Country\":\"jane.doe@contoso.com +1 425 555 0100\","
        + "\"E-mail\":\"megan@fabrikam.com\"},\"LeadSource\":\"AzureMarketplace-XYZ|call (425) 555-0199\"}");

    assertThat(lead.flags()).extracting(LeadFlag::code).contains(LeadFlag.COUNTRY_UNRECOGNISED,
        LeadFlag.SOURCE_UNRECOGNISED);
    assertThat(lead.flags().toString() + lead).doesNotContain("jane.doe", "425 555 0100", "555-0199")
        .contains("j***@contoso.com", "***00", "***99");
  }

  @Test
  void email_failingSyntax_isKeptAndFlagged_withThePreciseReason() {
    String longLocal = "j".repeat(300);
    Lead tooLong = readable("{\"UserDetails\":{\"Email\":\"" + longLocal + "@microsoft.com\"},\"LeadSource\":\"x-y\"}");
    Lead invisible = readable("{\"UserDetails\":{\"Email\":\"jo\u200Bhn@microsoft.com\"},\"LeadSource\":\"x-y\"}");

    assertThat(tooLong.customer().email()).isEqualTo(longLocal + "@microsoft.com");
    assertThat(tooLong.flags()).filteredOn(f -> f.code().equals(LeadFlag.EMAIL_INVALID)).singleElement()
        .hasToString("EMAIL_INVALID UserDetails.Email: 'j***@microsoft.com' is not an e-mail address: 314"
            + " characters, over 254; kept as sent");
    assertThat(invisible.customer().email()).isEqualTo("jo\u200Bhn@microsoft.com");
    assertThat(invisible.flags()).filteredOn(f -> f.code().equals(LeadFlag.EMAIL_INVALID)).singleElement()
        .hasToString("EMAIL_INVALID UserDetails.Email: 'j***@microsoft.com' is not an e-mail address: invisible"
            + " character U+200B at position 3; kept as sent");
  }

  @Test
  void phone_isKeptExactlyAsSent() {
    assertThat(readable("{\"UserDetails\":{\"Phone\":\"+1 (425) 555-0100 ext. 7\"},\"LeadSource\":\"x-y\"}")
        .customer().phone()).isEqualTo("+1 (425) 555-0100 ext. 7");
  }

  @Test
  void actionConflict_dncWins_andIsRecorded() {
    Lead lead = readable("{\"UserDetails\":{},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\","
        + "\"ActionCode\":\"DNC\"}");

    assertThat(lead.source().action()).isEqualTo(LeadAction.DO_NOT_CONTACT);
    assertThat(lead.source().raw()).isEqualTo("AzureMarketplace-INS|contoso.crm");
    assertThat(lead.flags()).singleElement().hasToString("ACTION_CONFLICT ActionCode: LeadSource says 'INS' but"
        + " ActionCode says 'DNC': 'DNC' is kept (do not contact is the stricter)");
    Lead other = readable("{\"UserDetails\":{},\"LeadSource\":\"AzureMarketplace-DNC|contoso.crm\","
        + "\"ActionCode\":\"INS\"}");
    assertThat(other.source().action()).isEqualTo(LeadAction.DO_NOT_CONTACT);
    assertThat(other.flags()).extracting(LeadFlag::code).containsExactly(LeadFlag.ACTION_CONFLICT);
  }

  @Test
  void unusableLeadIdAndTime_areFlagged_notRefused() {
    Lead lead = readable("{\"UserDetails\":{},\"LeadSource\":\"x-y\",\"LeadId\":\"\",\"CreatedTime\":\"yesterday\"}");

    assertThat(lead.id().value()).startsWith("sha256-");
    assertThat(lead.flags()).extracting(LeadFlag::code, LeadFlag::original).contains(
        org.assertj.core.groups.Tuple.tuple(LeadFlag.LEAD_ID_UNUSABLE, ""),
        org.assertj.core.groups.Tuple.tuple(LeadFlag.CREATED_TIME_UNREADABLE, "yesterday"));
  }

  @Test
  void flags_surviveTheJournal() {
    Lead lead = readable("{\"UserDetails\":{\"Country\":\"usa\"},\"LeadSource\":\"AzureMarketplace-INS|x\","
        + "\"ActionCode\":\"DNC\"}");

    assertThat(LeadPayload.decode(LeadPayload.encode(lead))).isEqualTo(lead);
    Lead plain = Lead.builder().email("a@contoso.com").build();
    assertThat(new String(LeadPayload.encode(plain), StandardCharsets.UTF_8)).startsWith("{\"v\":1,");
  }

  @Test
  void embeddedCustomerText_isReadAsStrictly() {
    Diagnosis d = unreadable("{\"UserDetails\":\"{\\\"Email\\\":\\\"a@b.c\\\",\\\"EMAIL\\\":\\\"x\\\"}\","
        + "\"LeadSource\":\"x\"}");

    assertThat(d.code()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
    assertThat(d.message()).startsWith("UserDetails.EMAIL at line 1, column 18 of the UserDetails text at line 1,"
        + " column 16: the key appears as 'Email' and as 'EMAIL'");
  }

  @Test
  void byteOrderMark_isAllowed() {
    byte[] body = ("\uFEFF{\"LeadSource\":\"AzureMarketplace-INS|x\",\"UserDetails\":{}}")
        .getBytes(StandardCharsets.UTF_8);

    assertThat(CODEC.read(body)).isInstanceOf(ReadResult.Readable.class);
  }

  @Test
  void keyLookingLikeAFieldButNotIt_isKeptAsItsAttributeAndFlagged_neverMovedIntoTheField() {
    Lead lead = readable("{\"UserDetails\":{\" Email\":\"a@contoso.com\",\"First_Name\":\"Ann\",\"Fax\":\"1\"},"
        + "\"Lead-Source\":\"AzureMarketplace-INS|x\",\"Phone\":\"+1 425\",\"UserDetails2\":{}}");

    assertThat(lead.customer().email()).as("never guessed into the field").isEmpty();
    assertThat(lead.customer().firstName()).isEmpty();
    assertThat(lead.source().raw()).isEmpty();
    assertThat(lead.attributes()).containsEntry("UserDetails. Email", "a@contoso.com")
        .containsEntry("UserDetails.First_Name", "Ann").containsEntry("Lead-Source", "AzureMarketplace-INS|x")
        .containsEntry("Phone", "+1 425");
    assertThat(lead.flags()).extracting(LeadFlag::toString).containsExactlyInAnyOrder(
        "KEY_UNRECOGNISED UserDetails. Email: the key ' Email' is not 'Email' (keys are matched ignoring case only):"
            + " its value is kept as the attribute 'UserDetails. Email', not read as Email; send it as 'Email'",
        "KEY_UNRECOGNISED UserDetails.First_Name: the key 'First_Name' is not 'FirstName' (keys are matched ignoring"
            + " case only): its value is kept as the attribute 'UserDetails.First_Name', not read as FirstName; send"
            + " it as 'FirstName'",
        "KEY_UNRECOGNISED Lead-Source: the key 'Lead-Source' is not 'LeadSource' (keys are matched ignoring case"
            + " only): its value is kept as the attribute 'Lead-Source', not read as LeadSource; send it as"
            + " 'LeadSource'",
        "KEY_UNRECOGNISED Phone: the key 'Phone' is not 'UserDetails.Phone' (keys are matched ignoring case only):"
            + " its value is kept as the attribute 'Phone', not read as UserDetails.Phone; send it as 'Phone' inside"
            + " UserDetails");
    // unknown keys that look like no field stay unflagged, and the flags survive the journal
    assertThat(readable("{\"UserDetails\":{\"Fax\":\"1\"},\"LeadSource\":\"SPZA-Create|x\",\"mktcmpid\":\"b\"}").flags())
        .isEmpty();
    assertThat(LeadPayload.decode(LeadPayload.encode(lead))).isEqualTo(lead);
  }

  @Test
  void keyLookingLikeAFieldInAnotherScriptOrWithAMark_isFlagged_notSilentlyKeptAsAnAttribute() {
    // a dotted capital I (Turkish keyboards: "EMAİL"), an accent, full-width letters: none is the field (the reader
    // matches keys by their lower case), and before each was kept as an attribute with no flag at all: the lead
    // routed with an empty e-mail, or without its customer, and nothing said why
    Lead lead = readable("{\"USERDETAİLS\":{\"Email\":\"a@contoso.com\"},\"UserDetails\":{\"EMAİL\":\"b@contoso.com\","
        + "\"Prénom\":\"x\",\"Ｐｈｏｎｅ\":\"+1 425\",\"Émail\":\"c@contoso.com\"},\"LeadSource\":\"SPZA-Create|x\"}");

    assertThat(lead.customer().email()).as("never guessed into the field").isEmpty();
    assertThat(lead.flags()).extracting(LeadFlag::code, LeadFlag::path).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple(LeadFlag.KEY_UNRECOGNISED, "USERDETAİLS"),
        org.assertj.core.groups.Tuple.tuple(LeadFlag.KEY_UNRECOGNISED, "UserDetails.EMAİL"),
        org.assertj.core.groups.Tuple.tuple(LeadFlag.KEY_UNRECOGNISED, "UserDetails.Ｐｈｏｎｅ"),
        org.assertj.core.groups.Tuple.tuple(LeadFlag.KEY_UNRECOGNISED, "UserDetails.Émail"));
    assertThat(lead.flags().get(0).message()).startsWith("the key 'USERDETAİLS' is not 'UserDetails'");
  }

  @Test
  void twoKeysThatWouldBeOneAttribute_makeThePayloadUnreadable_neverOneValueDropped() {
    // before: the attribute 'UserDetails.Fax' held one of the two values, the other was dropped without a trace
    assertThat(unreadable("{\"UserDetails\":{\"Fax\":\"1\"},\"UserDetails.Fax\":\"2\",\"LeadSource\":\"x-y\"}"))
        .hasToString("PAYLOAD_DUPLICATE_KEY: UserDetails.Fax at line 1, column 28: the top-level key 'UserDetails.Fax'"
            + " and the key 'Fax' inside UserDetails (at line 1, column 17) would both be kept as the attribute"
            + " 'UserDetails.Fax', so which value is meant cannot be told. Fix: send each value under a key of its own: a"
            + " top-level key with a dot must not name a key inside UserDetails");
    assertThat(unreadable("{\"UserDetails.Fax\":\"2\",\"UserDetails\":{\"Fax\":\"1\"},\"LeadSource\":\"x-y\"}").code())
        .isEqualTo("PAYLOAD_DUPLICATE_KEY");
    assertThat(unreadable("{\"UserDetails.Fax\":\"2\",\"UserDetails\":\"{\\\"Fax\\\":\\\"1\\\"}\",\"LeadSource\":\"x-y\"}")
        .message()).contains("the key 'Fax' inside UserDetails", "of the UserDetails text");
    // names differing in case only are one key to a receiver matching keys regardless of case (as this intake does):
    // kept as two attributes, the lead's webhook body held both and was unreadable at the next LeadRouter
    assertThat(unreadable("{\"UserDetails\":{\"Fax\":\"1\"},\"userdetails.fax\":\"2\",\"LeadSource\":\"x-y\"}")
        .code()).isEqualTo("PAYLOAD_DUPLICATE_KEY");

    // a table row: the Attributes column, the customer's unknown keys and unknown columns are all attributes
    ReadResult row = CODEC.readTableEntity(Map.of("RowKey", "r-1", "LeadSource", "x-y", "Attributes", "{\"Notes\":\"a\"}",
        "Notes", "b"));
    assertThat(((ReadResult.Unreadable) row).diagnosis()).hasToString("PAYLOAD_DUPLICATE_KEY: Notes: the key 'Notes' of"
        + " the Attributes column and the column 'Notes' would both be kept as the attribute 'Notes', so which value is"
        + " meant cannot be told. Fix: keep each value under a name of its own (rename the column, or the key in"
        + " Attributes)");
    assertThat(CODEC.readTableEntity(Map.of("RowKey", "r-1", "CustomerInfo", "{\"Fax\":\"1\"}", "CustomerInfo.Fax", "2")))
        .isInstanceOf(ReadResult.Unreadable.class);
    assertThat(((ReadResult.Readable) CODEC.readTableEntity(Map.of("RowKey", "r-1", "Attributes", "{\"Notes\":\"a\"}",
        "Memo", "b"))).lead().attributes()).containsEntry("Notes", "a").containsEntry("Memo", "b");
  }

  @Test
  void aFlattenedCustomerKey_isFlagged_notSilentlyKeptAsAnAttribute() {
    // a form tool flattening JSON: before, the lead routed with an empty e-mail and no flag said why
    Lead lead = readable("{\"UserDetails.Email\":\"a@contoso.com\",\"userdetails.firstname\":\"Ann\",\"LeadSource\":\"SPZA-Create|x\"}");

    assertThat(lead.customer().email()).as("never guessed into the field").isEmpty();
    assertThat(lead.attributes()).containsEntry("UserDetails.Email", "a@contoso.com");
    assertThat(lead.flags()).extracting(LeadFlag::toString).containsExactlyInAnyOrder(
        "KEY_UNRECOGNISED UserDetails.Email: the top-level key 'UserDetails.Email' is not the field Email inside"
            + " UserDetails (a dot in a key names no nesting): its value is kept as the attribute 'UserDetails.Email',"
            + " not read as Email; send it as 'Email' inside UserDetails",
        "KEY_UNRECOGNISED userdetails.firstname: the top-level key 'userdetails.firstname' is not the field FirstName"
            + " inside userdetails (a dot in a key names no nesting): its value is kept as the attribute"
            + " 'userdetails.firstname', not read as FirstName; send it as 'FirstName' inside UserDetails");
    // an unknown key inside the customer object is no flattened field
    assertThat(readable("{\"UserDetails\":{\"Fax\":\"1\"},\"LeadSource\":\"SPZA-Create|x\"}").flags()).isEmpty();
  }
}
