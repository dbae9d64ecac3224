package io.leadrouter;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The stable identity of a lead: the same on every delivery attempt, mapped by each sink to its destination's
 * upsert or dedup key. Limited to characters that are safe in URLs, Azure Table keys and CRM fields.
 *
 * @param value 1 to 128 characters of {@code A-Z a-z 0-9 . _ ~ : @ + = -}
 */
public record LeadId(String value) implements Comparable<LeadId> {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._~:@+=-]{1,128}");

  /** Validates the value. */
  public LeadId {
    Objects.requireNonNull(value, "value");
    if (!VALID.matcher(value).matches()) {
      throw new InvalidLeadException("id", "'" + abbreviate(value) + "' is not a valid lead id",
          "use 1 to 128 characters of A-Z a-z 0-9 . _ ~ : @ + = -");
    }
  }

  /** Wraps an existing id. */
  public static LeadId of(String value) {
    return new LeadId(value);
  }

  /** A new random id. */
  public static LeadId random() {
    return new LeadId(UUID.randomUUID().toString());
  }

  /**
   * An id derived from content, for payloads that carry no id of their own: the same bytes always give the same
   * id, so a payload posted twice is recognised as one lead.
   */
  public static LeadId derivedFrom(byte[] content) {
    byte[] digest = io.leadrouter.internal.Sha256.digest(content);
    return new LeadId("sha256-" + HexFormat.of().formatHex(digest, 0, 16));
  }

  /** An id derived from text, see {@link #derivedFrom(byte[])}. */
  public static LeadId derivedFrom(String content) {
    return derivedFrom(content.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public int compareTo(LeadId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }

  /**
   * The value as an error message shows it: its first 40 characters, controls as {@code ?}, and a phone or e-mail in
   * it masked ({@link Pii#maskLeadId}): the message reaches logs, and {@code tel-4915112345678 x} was shown whole.
   */
  private static String abbreviate(String s) {
    String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return Pii.maskLeadId(shown.replaceAll("\\p{Cntrl}", "?"));
  }
}
