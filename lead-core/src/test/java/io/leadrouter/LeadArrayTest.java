package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hostile intake audit (third): a JSON array of leads ({@code [{...},{...}]}) is several unambiguous leads, each read
 * alone, not one unreadable payload; an element that cannot be read is kept alone. Failed before: the whole array was
 * quarantined as PAYLOAD_NOT_AN_OBJECT.
 */
class LeadArrayTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();
  private static final String ANN = "{\"UserDetails\":{\"Email\":\"ann@contoso.com\"},\"LeadSource\":\"SPZA-Create|x.y\"}";
  private static final String BOB = "{\"UserDetails\":{\"Email\":\"bob@contoso.com\"},\"LeadSource\":\"SPZA-Create|x.y\","
      + "\"Description\":\"a \\\"]\\\" inside, and [ { too\"}";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void eachElement_isItsOwnLead_readFromItsExactBytes() {
    byte[] body = utf8("\uFEFF[\r\n  " + ANN + " ,\n\t" + BOB + "\n]\n");

    assertThat(MarketplaceCodec.arrayLength(body)).isEqualTo(2);
    List<byte[]> elements = MarketplaceCodec.arrayElements(body);
    assertThat(elements).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly(ANN, BOB);
    Lead ann = ((ReadResult.Readable) CODEC.readElement(elements.get(0), 0)).lead();
    Lead bob = ((ReadResult.Readable) CODEC.readElement(elements.get(1), 1)).lead();
    assertThat(ann.customer().email()).isEqualTo("ann@contoso.com");
    assertThat(bob.description()).isEqualTo("a \"]\" inside, and [ { too");
    // the same element sent again is the same lead, as an NDJSON line is
    assertThat(ann.id()).isEqualTo(LeadId.derivedFrom(utf8(ANN))).isNotEqualTo(bob.id());
  }

  @Test
  void anUnreadableElement_isUnreadableAlone_namingItsIndex() {
    byte[] body = utf8("[" + ANN + ",{\"UserDetails\":{\"Email\":\"a@b.com\",\"email\":\"c@d.com\"}},\"lead\",7,[" + ANN
        + "],null]");

    List<byte[]> elements = MarketplaceCodec.arrayElements(body);

    assertThat(elements).hasSize(6);
    assertThat(CODEC.readElement(elements.get(0), 0)).isInstanceOf(ReadResult.Readable.class);
    assertThat(((ReadResult.Unreadable) CODEC.readElement(elements.get(1), 1)).diagnosis().toString())
        .isEqualTo("PAYLOAD_DUPLICATE_KEY: [1].UserDetails.email at line 1, column 35 of the element: the key appears"
            + " as 'Email' and as 'email' (first at line 1, column 17); keys are matched regardless of case, so which"
            + " value is meant cannot be told. Fix: send each key once");
    for (int i = 2; i < 6; i++) {
      // a text, a number, an array inside the array, null: which lead each would be cannot be told
      io.leadrouter.spi.Diagnosis d = ((ReadResult.Unreadable) CODEC.readElement(elements.get(i), i)).diagnosis();
      assertThat(d.code()).isEqualTo("PAYLOAD_NOT_AN_OBJECT");
      assertThat(d.message()).startsWith("[" + i + "] at line 1, column 1 of the element: is ");
    }
  }

  @Test
  void notAWellFormedArray_isReadWhole() {
    assertThat(MarketplaceCodec.arrayLength(utf8("[]"))).isZero();
    assertThat(MarketplaceCodec.arrayLength(utf8(" [ ] "))).isZero();
    assertThat(MarketplaceCodec.arrayLength(utf8(ANN))).isEqualTo(-1);
    assertThat(MarketplaceCodec.arrayLength(utf8("[" + ANN + "," + BOB))).as("cut short").isEqualTo(-1);
    assertThat(MarketplaceCodec.arrayLength(utf8("[" + ANN + " " + BOB + "]"))).as("no comma").isEqualTo(-1);
    assertThat(MarketplaceCodec.arrayLength(utf8("[" + ANN + "] x"))).as("trailing").isEqualTo(-1);
    assertThat(MarketplaceCodec.arrayLength(utf8("[" + ANN + "][]"))).as("two arrays").isEqualTo(-1);
    assertThat(MarketplaceCodec.arrayLength(("[" + ANN + "]").getBytes(StandardCharsets.UTF_16LE)))
        .as("UTF-16: read whole, as told by its zero bytes").isEqualTo(-1);
    byte[] latin1 = ("[" + ANN.replace("ann", "\u00e9") + "]").getBytes(StandardCharsets.ISO_8859_1);
    assertThat(MarketplaceCodec.arrayLength(latin1)).as("not UTF-8").isEqualTo(-1);
    assertThat(MarketplaceCodec.arrayElements(utf8(ANN))).isEmpty();
  }

  @Test
  void deepNestingInOneElement_isThatElementsProblemAlone() {
    String deep = "{\"UserDetails\":{},\"LeadSource\":\"x-y\",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}";
    byte[] body = utf8("[" + ANN + "," + deep + "]");

    List<byte[]> elements = MarketplaceCodec.arrayElements(body);

    assertThat(elements).hasSize(2);
    assertThat(CODEC.readElement(elements.get(0), 0)).isInstanceOf(ReadResult.Readable.class);
    assertThat(((ReadResult.Unreadable) CODEC.readElement(elements.get(1), 1)).diagnosis().code())
        .isEqualTo("PAYLOAD_TOO_DEEP");
  }

  @Test
  void aHugeArray_isCountedWithoutKeepingItsElements() {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < 200_000; i++) {
      b.append(i == 0 ? "" : ",").append("{}");
    }
    byte[] body = utf8(b.append("]").toString());

    assertThat(MarketplaceCodec.arrayLength(body)).isEqualTo(200_000);
  }
}
