package io.leadrouter.internal.intake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.leadrouter.Lead;
import io.leadrouter.LeadAction;
import io.leadrouter.LeadChannel;
import io.leadrouter.LeadFlag;
import io.leadrouter.LeadSource;
import io.leadrouter.internal.Spelling;
import java.io.IOException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A do-not-contact written where the marketplace does not write it: under a key that misspells {@code ActionCode} or
 * {@code LeadSource} ({@code " ActionCode"}, {@code "Action Code"}, {@code "ActonCode"}, also inside the customer
 * object or deeper), or as the action of a lead source whose parts are separated otherwise
 * ({@code AzureMarketplace_DNC|x}, {@code AzureMarketplace DNC|x}). The customer asked not to be contacted, so the
 * lead is read as a do-not-contact whatever the rest says: the privacy-safe reading. Never the other way round: a
 * misspelled "contact me" does not change a lead's action. Not API.
 */
public final class DoNotContact {
  private static final String ACTION_KEY = "actioncode";
  private static final String SOURCE_KEY = "leadsource";
  // a structure kept as an attribute was read (and bounded) at intake already: only walked here for its keys
  private static final JsonFactory JSON = JsonFactory.builder().streamReadConstraints(
      com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNumberLength(Integer.MAX_VALUE)
          .maxStringLength(Integer.MAX_VALUE).maxNameLength(Integer.MAX_VALUE).build()).build();
  /** The lead source's {@code |} and its stand-ins. */
  private static final java.util.regex.Pattern BARS = java.util.regex.Pattern.compile("[|\uFF5C\u00A6]");

  private DoNotContact() {}

  /** Where a do-not-contact was found: the key or field as the sender wrote it, and its value as sent. */
  record Found(String path, String value, String message) {}

  /**
   * The lead as a do-not-contact, flagged {@link LeadFlag#DO_NOT_CONTACT_FOUND} naming where it was found, when it is
   * not one yet and a do-not-contact stands elsewhere in it; empty otherwise.
   */
  static Optional<Lead> apply(Lead lead, Map<String, String> paths) {
    LeadSource s = lead.source();
    if (s.action() == LeadAction.DO_NOT_CONTACT || s.isTest()) {
      return Optional.empty();
    }
    List<Found> found = new ArrayList<>(1);
    String sourcePath = paths.getOrDefault("LeadSource", "LeadSource");
    LeadChannel channel = s.channel();
    String channelText = s.channelText();
    if (inLeadSource(s.raw())) {
      found.add(new Found(sourcePath, s.raw(), "'" + LeadNormalizer.printable(s.raw()) + "' names DNC (do not"
          + " contact), though not as Source-DNC|Offer: the lead is read as a do-not-contact, the privacy-safe"
          + " reading; send it as Source-DNC|Offer, like AzureMarketplace-DNC|contoso.crm"));
      String first = tokens(firstSegment(s.raw())).get(0);
      if (channel == LeadChannel.UNKNOWN) {
        Optional<LeadChannel> known = LeadChannel.fromCode(first);
        if (known.isPresent()) {
          channel = known.get();
          channelText = first;
        } else if (concatenated(first).isPresent()) {
          channel = concatenated(first).get();
          channelText = first.substring(0, first.length() - 3);
        }
      }
    }
    for (Map.Entry<String, String> a : lead.attributes().entrySet()) {
      inAttribute(a.getKey(), a.getValue(), found);
    }
    if (found.isEmpty()) {
      return Optional.empty();
    }
    LeadSource dnc = new LeadSource(channel, channelText, LeadAction.DO_NOT_CONTACT, LeadAction.DO_NOT_CONTACT.code(),
        s.offerId(), s.raw());
    List<LeadFlag> flags = new ArrayList<>();
    for (Found f : found) {
      flags.add(new LeadFlag(LeadFlag.DO_NOT_CONTACT_FOUND, f.path(), f.message()
          + (s.actionText().isEmpty() ? "" : " ('" + LeadNormalizer.printable(s.actionText()) + "' was read as the"
          + " action elsewhere)"), clip(f.value())));
    }
    return Optional.of(lead.toBuilder().source(dnc).build().withFlags(flags));
  }

  /**
   * Whether {@code actionCode} names a do-not-contact among other text ({@code DNC;}, {@code [DNC]},
   * {@code Do Not Contact}) though it is no action code as it stands.
   */
  public static boolean amongOtherText(String actionCode) {
    String text = Blanks.strip(actionCode);
    return !text.isEmpty() && LeadAction.fromCode(text).isEmpty() && saysDnc(text);
  }

  /** Whether a lead source names DNC though not as {@code Source-DNC|Offer}. */
  static boolean inLeadSource(String raw) {
    if (raw.isBlank()) {
      return false;
    }
    String[] segments = BARS.split(compat(raw), -1);
    List<String> first = tokens(segments[0]);
    // the action spelled out ("AzureMarketplace-Do Not Contact|x", "-DoNotContact"), as ActionCode's is read: it was an
    // unknown action, and the lead went to the CRMs as contactable
    if (first.stream().anyMatch(DoNotContact::dnc) || concatenated(first.get(0)).isPresent()
        || spelledOut(first, 0) || spelledOut(first, 1)) {
      return true;
    }
    for (int i = 1; i < segments.length; i++) {
      List<String> t = tokens(segments[i]);
      if (t.size() == 1 && dnc(t.get(0)) || spelledOut(t, 0)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the words from {@code from} on are "do not contact", however separated or cased. */
  private static boolean spelledOut(List<String> words, int from) {
    return words.size() > from && String.join("", words.subList(from, words.size())).equalsIgnoreCase("donotcontact");
  }

  /** The channel of {@code AzureMarketplaceDNC}: a known channel's code and DNC with nothing between. */
  private static Optional<LeadChannel> concatenated(String token) {
    return token.length() > 3 && dnc(token.substring(token.length() - 3))
        ? LeadChannel.fromCode(token.substring(0, token.length() - 3)) : Optional.empty();
  }

  private static String firstSegment(String raw) {
    return BARS.split(compat(raw), -1)[0];
  }

  private static void inAttribute(String name, String value, List<Found> found) {
    int dot = name.indexOf('.');
    String key = dot > 0 && isCustomerObject(name.substring(0, dot)) ? name.substring(dot + 1) : name;
    Optional<String> kind = kind(key);
    if (kind.isPresent() && (kind.get().equals("ActionCode") ? saysDnc(value) : inLeadSource(value))) {
      found.add(new Found(name, value, "the key '" + LeadNormalizer.printable(name) + "' is not read as "
          + kind.get() + " but says '" + LeadNormalizer.printable(value) + "' (do not contact): the lead is read as a"
          + " do-not-contact, the privacy-safe reading, whatever " + kind.get() + " says; send it as '" + kind.get()
          + "'"));
      return;
    }
    String v = value.strip();
    if (v.startsWith("{") || v.startsWith("[")) {
      nested(name, v, found);
    }
  }

  /** Keys inside a structure kept as an attribute's JSON text ({@code "Extra":{"ActionCode":"DNC"}}). */
  private static void nested(String name, String json, List<Found> found) {
    try (JsonParser p = JSON.createParser(json)) {
      List<String> path = new ArrayList<>();
      String key = null;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME) {
          key = p.currentName();
        } else if (t == JsonToken.VALUE_STRING && key != null && p.getParsingContext().inObject()) {
          Optional<String> kind = kind(key);
          String value = p.getText();
          if (kind.isPresent() && (kind.get().equals("ActionCode") ? saysDnc(value)
              : inLeadSource(value))) {
            String at = name + "." + String.join(".", path) + (path.isEmpty() ? "" : ".") + key;
            found.add(new Found(at, value, "the key '" + LeadNormalizer.printable(key) + "' inside '"
                + LeadNormalizer.printable(name) + "' says '" + LeadNormalizer.printable(value) + "' (do not"
                + " contact): the lead is read as a do-not-contact, the privacy-safe reading, whatever "
                + kind.get() + " says; send it as the top-level '" + kind.get() + "'"));
            return;
          }
        }
      }
    } catch (IOException e) {
      // a text that merely starts like JSON: no key in it
    }
  }

  /** {@code ActionCode} or {@code LeadSource} when {@code key} is either, misspelled or not; empty otherwise. */
  private static Optional<String> kind(String key) {
    String k = fold(key);
    if (k.equals(ACTION_KEY) || k.equals("action") || near(k, ACTION_KEY)) {
      return Optional.of("ActionCode");
    }
    if (k.equals(SOURCE_KEY) || near(k, SOURCE_KEY)) {
      return Optional.of("LeadSource");
    }
    return Optional.empty();
  }

  private static boolean isCustomerObject(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.equals("userdetails") || n.equals("customerinfo");
  }

  /** Whether the value names DNC: one of its words, or "do not contact" however separated. */
  static boolean saysDnc(String value) {
    List<String> words = tokens(compat(value));
    return words.stream().anyMatch(DoNotContact::dnc)
        || String.join("", words).toLowerCase(Locale.ROOT).equals("donotcontact");
  }

  private static boolean dnc(String token) {
    return token.equalsIgnoreCase("DNC");
  }

  /** The letters-and-digits runs of {@code text}, in order (at least one, possibly empty). */
  private static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder b = new StringBuilder();
    text.codePoints().forEach(cp -> {
      if (Character.isLetterOrDigit(cp)) {
        b.appendCodePoint(cp);
      } else if (Character.getType(cp) != Character.FORMAT && b.length() > 0) {
        out.add(b.toString());
        b.setLength(0);
      }
    });
    if (b.length() > 0 || out.isEmpty()) {
      out.add(b.toString());
    }
    return out;
  }

  /** Compatibility form without format characters: {@code ＤＮＣ} and {@code D\u200BNC} are {@code DNC}. */
  private static String compat(String text) {
    if (text.chars().allMatch(ch -> ch < 0x80)) {
      return text;
    }
    StringBuilder b = new StringBuilder(text.length());
    Normalizer.normalize(text, Normalizer.Form.NFKC).codePoints()
        .filter(cp -> Character.getType(cp) != Character.FORMAT).forEach(b::appendCodePoint);
    return b.toString();
  }

  /** The key without accents, white space, invisible characters, {@code -}, {@code _} and {@code .}, lower case. */
  private static String fold(String key) {
    StringBuilder b = new StringBuilder(key.length());
    Normalizer.normalize(key, Normalizer.Form.NFKD).codePoints().filter(Character::isLetterOrDigit)
        .forEach(b::appendCodePoint);
    return b.toString().toLowerCase(Locale.ROOT);
  }

  /** Whether {@code a} is within two edits (insert, delete, replace, swap two neighbours) of {@code b}. */
  private static boolean near(String a, String b) {
    return a.length() >= 6 && Spelling.edits(a, b, 2) <= 2;
  }

  private static String clip(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
