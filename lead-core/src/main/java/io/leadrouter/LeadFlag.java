package io.leadrouter;

import io.leadrouter.spi.Scrubber;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Something noted about a lead at intake that did not stop it from being accepted: a value normalised (the original
 * kept here), a value kept verbatim that a destination may refuse, or two fields that disagreed. Safe to log: the
 * message masks personal data.
 *
 * @param code stable upper-case code, e.g. {@link #COUNTRY_NORMALISED}
 * @param path the field as the sender wrote it, e.g. {@code UserDetails.Country}
 * @param message what was noted, personal data masked
 * @param original the value as received when it was changed, e-mails and phones in it masked; empty otherwise
 */
public record LeadFlag(String code, String path, String message, String original) {
  /**
   * The country was written another way (alpha-3, an ISO numeric code, an English name, lower case) and was set to
   * ISO alpha-2.
   */
  public static final String COUNTRY_NORMALISED = "COUNTRY_NORMALISED";
  /** The country is no ISO 3166 country this version knows; it is kept verbatim. */
  public static final String COUNTRY_UNRECOGNISED = "COUNTRY_UNRECOGNISED";
  /** The e-mail address is not a valid address; it is kept verbatim, the reason says exactly why. */
  public static final String EMAIL_INVALID = "EMAIL_INVALID";
  /** {@code LeadSource} and {@code ActionCode} name different actions; the stricter one was kept. */
  public static final String ACTION_CONFLICT = "ACTION_CONFLICT";
  /**
   * A do-not-contact stood where the marketplace does not write it: under a key that misspells {@code ActionCode} or
   * {@code LeadSource} ({@code " ActionCode"}, {@code "Action Code"}, in the customer object or deeper), among other
   * text in {@code ActionCode} ({@code "DNC;"}), or in a lead source whose parts are separated otherwise
   * ({@code AzureMarketplace_DNC|x}). The lead is a do-not-contact (the privacy-safe reading, whatever the rest says);
   * the path is the key as sent, the original the value as sent.
   */
  public static final String DO_NOT_CONTACT_FOUND = "DO_NOT_CONTACT_FOUND";
  /** The lead source's channel or action is not one this version knows; kept verbatim. */
  public static final String SOURCE_UNRECOGNISED = "SOURCE_UNRECOGNISED";
  /** {@code CreatedTime} could not be read as a time; the time of receipt was used, the original is kept. */
  public static final String CREATED_TIME_UNREADABLE = "CREATED_TIME_UNREADABLE";
  /** {@code LeadId} cannot serve as an id; one was derived from the payload instead, the original is kept. */
  public static final String LEAD_ID_UNUSABLE = "LEAD_ID_UNUSABLE";
  /**
   * A key looks like one of the marketplace's fields but is not it even ignoring case ({@code " Email"},
   * {@code "E-mail"}); its value is kept as an attribute under the key as sent, never moved into the field.
   */
  public static final String KEY_UNRECOGNISED = "KEY_UNRECOGNISED";

  /**
   * The body was UTF-16 or UTF-32, not UTF-8 as JSON requires; told apart without guessing (its byte-order mark, or
   * the zero bytes of its first character) and read as that.
   */
  public static final String BODY_NOT_UTF8 = "BODY_NOT_UTF8";

  /**
   * White space or invisible characters around the e-mail address, a {@code mailto:} before it, or the display name
   * and angle brackets of a mail client's {@code Name <address>} were removed; the message names each character
   * removed and where (never the address), and a removed display name leaves the value as sent in the original (its
   * address masked). Inside an address nothing is removed.
   */
  public static final String EMAIL_NORMALISED = "EMAIL_NORMALISED";

  /**
   * Control characters (U+0000 to U+001F but tab, line feed and carriage return, U+007F, U+0080 to U+009F) were removed
   * from the value; the message names each and its position as sent. They are no text, and destinations refuse or
   * drop them.
   */
  public static final String CONTROL_CHARACTERS_REMOVED = "CONTROL_CHARACTERS_REMOVED";

  /**
   * No-break, other Unicode or zero-width spaces or byte-order marks stood before or after the JSON value and were left
   * out (they are no JSON white space, but never part of a lead); the message names each and on which side. Also
   * set when the body was a JSON text holding the lead's JSON object (encoded twice) and was read as that object.
   */
  public static final String BODY_NORMALISED = "BODY_NORMALISED";

  /**
   * White space or invisible characters around the body's {@code LeadId}, or the braces or parentheses around a GUID
   * ({@code {3F2504E0-...}}, .NET's "B" and "P" formats), were removed: they are never part of an id,
   * and the same lead sent again without them is the same lead (a duplicate, not a second delivery). The original
   * holds the id as sent.
   */
  public static final String LEAD_ID_NORMALISED = "LEAD_ID_NORMALISED";

  /**
   * A value (or the whole lead) is over {@link LeadLimits#DEFAULTS}, as {@link LeadValidator#overLimits} finds; it is
   * kept whole, and a destination that cannot take it fails the lead there with its own diagnosis.
   */
  public static final String OVER_LIMIT = "OVER_LIMIT";

  private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]*");

  /**
   * Checks the parts; masks e-mails and phones in the message, path and original ({@link Scrubber#maskPersonalData}),
   * which quote what the sender wrote: a country or key may hold anything, and flags are logged and kept in the journal.
   */
  public LeadFlag {
    Objects.requireNonNull(code, "code");
    path = Scrubber.standard().maskPersonalData(Objects.requireNonNull(path, "path"));
    message = Scrubber.standard().maskPersonalData(Objects.requireNonNull(message, "message"));
    // the sender's value may be anything (a LeadId or CreatedTime holding an e-mail or phone): never kept raw here,
    // as the flag is shown by explain and logged; ISO codes, times and ids pass unchanged
    original = Scrubber.standard().maskPersonalData(Objects.requireNonNullElse(original, ""));
    if (!CODE.matcher(code).matches()) {
      throw new IllegalArgumentException("flag code must be UPPER_SNAKE_CASE: " + code);
    }
  }

  /** A flag without an original value. */
  public static LeadFlag of(String code, String path, String message) {
    return new LeadFlag(code, path, message, "");
  }

  /** {@code CODE path: message}. */
  @Override
  public String toString() {
    return code + " " + path + ": " + message;
  }
}
