package io.leadrouter;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The parsed lead-source descriptor {@code Source-Action|Offer}, e.g.
 * {@code AzureMarketplace-INS|contoso.crm-connector}. Unknown channels or actions are kept as text and flagged,
 * never rejected: a lead from a newer marketplace must not be lost.
 *
 * @param channel the known channel, or {@link LeadChannel#UNKNOWN}
 * @param channelText the channel exactly as written (trimmed)
 * @param action the known action, or {@link LeadAction#UNKNOWN}
 * @param actionText the action exactly as written (trimmed)
 * @param offerId the offer part (an offer id or sometimes a display name), empty when missing
 * @param raw the descriptor exactly as received
 */
public record LeadSource(
    LeadChannel channel, String channelText, LeadAction action, String actionText, String offerId, String raw) {

  private static final Pattern TEST_TOKEN = Pattern.compile("MSFT_TEST_\\d+");

  /** An empty source, for leads that carry none. */
  public static final LeadSource NONE = parse("");

  /** Checks that no part is null. */
  public LeadSource {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(channelText, "channelText");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(actionText, "actionText");
    Objects.requireNonNull(offerId, "offerId");
    Objects.requireNonNull(raw, "raw");
  }

  /**
   * Parses a descriptor. Tolerates spaces around {@code |} and {@code -}, missing parts and the test-lead form
   * {@code MSFT_TEST_<ticks>-MSFT_TEST_<ticks>|Offer}; never throws for odd input.
   */
  public static LeadSource parse(String descriptor) {
    String raw = descriptor == null ? "" : descriptor;
    String[] sourceAndOffer = splitAtFirst(trim(raw), '|');
    String[] channelAndAction = splitAtFirst(sourceAndOffer[0], '-');
    return of(channelAndAction[0], channelAndAction[1], sourceAndOffer[1], raw);
  }

  /**
   * {@code text} before and after the first {@code separator}, each trimmed; all of it and "" without one. Without the
   * ASCII separator, its typographic stand-ins count ({@link #separatorAt}).
   */
  private static String[] splitAtFirst(String text, char separator) {
    int at = separatorAt(text, separator);
    return at < 0 ? new String[] {text, ""}
        : new String[] {trim(text.substring(0, at)), trim(text.substring(at + Character.charCount(
            text.codePointAt(at))))};
  }

  /**
   * Where {@code separator} ({@code '|'} or {@code '-'}) first stands in {@code text}, -1 if nowhere. Without the ASCII
   * character, a stand-in an editor or web page puts in its place counts: for {@code -} any Unicode dash (en and em
   * dash, U+2010 hyphen, U+2011 non-breaking hyphen, U+2212 minus, full-width U+FF0D), for {@code |} the full-width
   * U+FF5C and the broken bar U+00A6. {@code AzureMarketplace–DNC|x} is a do-not-contact, never an unknown channel.
   */
  static int separatorAt(String text, char separator) {
    int at = text.indexOf(separator);
    if (at >= 0) {
      return at;
    }
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      if (separator == '-' ? Character.getType(cp) == Character.DASH_PUNCTUATION || cp == '\u2212'
          : cp == '\uFF5C' || cp == '\u00A6') {
        return i;
      }
      i += Character.charCount(cp);
    }
    return -1;
  }

  /**
   * The text without white space, space characters ({@code U+00A0}, {@code U+202F}) or invisible format characters
   * ({@code U+200B}, {@code U+FEFF}) at either end: a descriptor pasted from a web page carries them around its
   * {@code |} and {@code -}, and {@code DNC} followed by U+00A0 must still be a do-not-contact.
   */
  static String trim(String text) {
    return io.leadrouter.internal.intake.Blanks.strip(text);
  }

  /**
   * {@code text} as a channel or action code is compared: in compatibility form (NFKC: the full-width {@code ＤＮＣ} a
   * CJK input method types is {@code DNC}) without format characters (a zero-width space or joiner pasted inside),
   * which are the same letters to a reader, so a do-not-contact written so is never an unknown action.
   */
  static String codeForm(String text) {
    if (text == null) {
      return "";
    }
    boolean plain = true;
    for (int i = 0; i < text.length() && plain; i++) {
      plain = text.charAt(i) < 0x80;
    }
    if (plain) {
      return text;
    }
    StringBuilder b = new StringBuilder(text.length());
    java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFKC).codePoints()
        .filter(cp -> Character.getType(cp) != Character.FORMAT).forEach(b::appendCodePoint);
    return b.toString();
  }

  /** Builds a source from its parts, recognising known channel and action texts. */
  public static LeadSource of(String channelText, String actionText, String offerId, String raw) {
    String ch = trim(Objects.requireNonNullElse(channelText, ""));
    String ac = trim(Objects.requireNonNullElse(actionText, ""));
    LeadChannel channel = TEST_TOKEN.matcher(ch).matches()
        ? LeadChannel.TEST : LeadChannel.fromCode(ch).orElse(LeadChannel.UNKNOWN);
    LeadAction action = TEST_TOKEN.matcher(ac).matches()
        ? LeadAction.TEST : LeadAction.fromCode(ac).orElse(LeadAction.UNKNOWN);
    return new LeadSource(channel, ch, action, ac, trim(Objects.requireNonNullElse(offerId, "")),
        Objects.requireNonNullElse(raw, ""));
  }

  /** Builds a source from known values, with its canonical descriptor text as {@code raw}. */
  public static LeadSource of(LeadChannel channel, LeadAction action, String offerId) {
    // built directly: parsing the codes back would turn TEST (code without ticks) into UNKNOWN
    String offer = Objects.requireNonNull(offerId, "offerId").strip();
    return new LeadSource(channel, channel.code(), action, action.code(), offer,
        channel.code() + "-" + action.code() + "|" + offer);
  }

  /** Whether this is the marketplace's test-lead form {@code MSFT_TEST_<ticks>-MSFT_TEST_<ticks>|Offer}. */
  public boolean isTest() {
    return channel == LeadChannel.TEST && action == LeadAction.TEST;
  }

  /** Whether both channel and action are known (or this is the test form). */
  public boolean isRecognized() {
    return flags().isEmpty();
  }

  /** What was not recognised, as human-readable notes; empty when all is known. */
  public List<String> flags() {
    List<String> flags = new ArrayList<>(2);
    if (channel == LeadChannel.UNKNOWN) {
      flags.add(channelText.isEmpty() ? "missing channel" : "unknown channel '" + channelText + "'");
    }
    if (action == LeadAction.UNKNOWN) {
      flags.add(actionText.isEmpty() ? "missing action" : "unknown action '" + actionText + "'");
    }
    return flags;
  }

  /** The descriptor in canonical form {@code Channel-Action|Offer}. */
  public String canonical() {
    return channelText + "-" + actionText + "|" + offerId;
  }
}
