package io.leadrouter.journal;

import io.leadrouter.Pii;
import io.leadrouter.spi.Diagnosis;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A payload that could not be read unambiguously as a lead, kept durably in the journal with why, when and where it
 * came from, so that nothing the marketplace sent is lost: it can be shown (masked), read again after an upgrade or
 * a fix ({@code replay --quarantined}), or purged on an operator's request.
 *
 * @param id the journal's id of this payload
 * @param receivedAt when it was received
 * @param origin where it came from, e.g. {@code serve POST /leads from 10.0.0.7} or {@code route leads.ndjson line 4}
 * @param diagnosis why it could not be read, naming the field as the sender wrote it
 * @param payload the bytes exactly as received (bounded by the body limit)
 */
public record QuarantinedPayload(long id, Instant receivedAt, String origin, Diagnosis diagnosis, byte[] payload) {
  private static final Pattern EMAIL = Pattern.compile("[^\\s\"'<>,;:{}\\[\\]\\\\]+@[^\\s\"'<>,;:{}\\[\\]\\\\]+");
  private static final Pattern DIGITS = Pattern.compile("\\+?\\d[\\d ().-]{4,}\\d");

  /** Checks the parts and keeps its own copy of the bytes. */
  public QuarantinedPayload {
    Objects.requireNonNull(receivedAt, "receivedAt");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(diagnosis, "diagnosis");
    payload = Objects.requireNonNull(payload, "payload").clone();
  }

  /** The bytes exactly as received (a copy). */
  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /**
   * The payload as text with e-mail addresses and phone-like digit runs masked, safe to show an operator; JSON
   * {@code \\uXXXX} escapes of visible characters are shown as the characters, a UTF-16 or UTF-32 payload decoded as
   * that, bytes that are not UTF-8 as U+FFFD (the stored bytes are unchanged).
   */
  public String maskedText() {
    // JSON escapes of visible characters are shown as those characters first: "john\\u0040contoso.com" is an e-mail
    // all the same, and would pass the masking below escaped
    // a UTF-16 payload decoded as UTF-8 has a zero byte between its digits: no phone pattern would see them
    String text = unescaped(new String(payload,
        io.leadrouter.internal.intake.PayloadReader.encodingOf(payload)));
    Matcher m = EMAIL.matcher(text);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(b, Matcher.quoteReplacement(Pii.maskEmail(m.group())));
    }
    m.appendTail(b);
    Matcher d = DIGITS.matcher(b.toString());
    StringBuilder c = new StringBuilder();
    while (d.find()) {
      d.appendReplacement(c, Matcher.quoteReplacement(Pii.maskPhone(d.group())));
    }
    d.appendTail(c);
    // then the forms the broad patterns above cannot see: a quoted local part or address literal ("john doe"@...,
    // jane@[192.0.2.1]), a phone with no-break spaces or dashes between its digits, or in full-width digits
    return io.leadrouter.spi.Scrubber.standard().maskPersonalData(c.toString());
  }

  /**
   * {@link #origin()} as logs and operators are shown it: a lead id noted in it ({@code (lead id tel-***78)}) and a
   * table row's {@code RowKey} masked as {@link Pii#maskLeadId} masks an id, and any e-mail or phone in it masked; the
   * stored origin is unchanged (a replay reads the id noted in it).
   */
  public String maskedOrigin() {
    return io.leadrouter.internal.PiiMask.origin(origin);
  }

  private static final Pattern ESCAPE = Pattern.compile("\\\\u([0-9a-fA-F]{4})");

  /** {@code \\uXXXX} escapes of visible characters as the characters; quotes, backslashes, controls stay escaped. */
  private static String unescaped(String text) {
    if (text.indexOf("\\u") < 0) {
      return text;
    }
    Matcher m = ESCAPE.matcher(text);
    StringBuilder b = new StringBuilder(text.length());
    while (m.find()) {
      char c = (char) Integer.parseInt(m.group(1), 16);
      boolean keep = c == '"' || c == '\\' || Character.isISOControl(c) || Character.isSurrogate(c);
      // an escape is only one when its backslash is not itself escaped ("\\\\u0040" is a backslash, then "u0040")
      int slashes = 0;
      for (int i = m.start() - 1; i >= 0 && text.charAt(i) == '\\'; i--) {
        slashes++;
      }
      m.appendReplacement(b, Matcher.quoteReplacement(keep || slashes % 2 == 1 ? m.group() : String.valueOf(c)));
    }
    m.appendTail(b);
    return b.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QuarantinedPayload q && id == q.id && receivedAt.equals(q.receivedAt)
        && origin.equals(q.origin) && diagnosis.equals(q.diagnosis) && Arrays.equals(payload, q.payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, receivedAt, origin, diagnosis, Arrays.hashCode(payload));
  }

  /** Shows the record without the payload (which may hold personal data). */
  @Override
  public String toString() {
    return "QuarantinedPayload[id=" + id + ", receivedAt=" + receivedAt + ", origin=" + maskedOrigin() + ", size="
        + payload.length + ", diagnosis=" + diagnosis + "]";
  }
}
