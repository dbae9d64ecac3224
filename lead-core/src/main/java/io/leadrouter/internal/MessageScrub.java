package io.leadrouter.internal;

import io.leadrouter.spi.Scrubber;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scrubs the text of a {@link io.leadrouter.Problem} or a {@link io.leadrouter.LeadRouterException}, which often
 * quotes a configuration value as the user wrote it: {@link Scrubber#standard()} (credentials by name and live
 * secrets, e-mails and phones masked), then any value shaped like a credential ({@link #looksLikeCredential}), which
 * is what a secret pasted into the wrong field looks like, is replaced by its length ({@code [a 40-character value
 * that looks like a credential, not shown]}). Done once, where the message is built, so that no caller can forget.
 * Internal.
 */
public final class MessageScrub {
  /** A run of the characters credentials are written with (Base64, URL-safe Base64, hex, Entra's '~'). */
  private static final Pattern TOKEN = Pattern.compile("(?<![A-Za-z0-9+/=_~.-])[A-Za-z0-9+/=_~.-]{20,}");
  private static final Pattern GUID = Pattern.compile(
      "\\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}}?", Pattern.CASE_INSENSITIVE);
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{40,}");
  private static final Pattern BASE64_PADDED = Pattern.compile("[A-Za-z0-9+/_-]{18,}={1,2}");
  /** Prefixes vendors give their keys (Standard Webhooks, Stripe, Slack, GitHub, AWS, a JWT's header). */
  private static final Pattern KNOWN_PREFIX = Pattern.compile(
      "(?:whsec_|[sr]k_(?:live|test)_|xox[abpr]-|ghp_|github_pat_|AKIA|eyJ)[A-Za-z0-9+/=_.-]{12,}.*");

  private MessageScrub() {}

  /** {@code text} safe to show: scrubbed, and credential-shaped values replaced by their length; null stays null. */
  public static String scrub(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String scrubbed = Scrubber.standard().scrub(text);
    Matcher m = TOKEN.matcher(scrubbed);
    if (!m.find()) {
      return scrubbed;
    }
    m.reset();
    return m.replaceAll(r -> Matcher.quoteReplacement(looksLikeCredential(r.group())
        ? "[a " + r.group().length() + "-character value that looks like a credential, not shown]" : r.group()));
  }

  /**
   * Whether a run of credential characters (20 or more) is shaped like a key or a secret rather than a name, path,
   * host, GUID or time: a vendor's key prefix, Base64 with its padding, 40 or more hex digits, or upper- and
   * lower-case letters and digits mixed as randomly as a generated secret's (their runs of one kind of character
   * average under 2.4 characters; a camelCase name's words are longer). A path or URL ({@code /} without the
   * {@code +} or padding of Base64) is never one.
   */
  static boolean looksLikeCredential(String token) {
    if (GUID.matcher(token).matches() || token.contains("//")) {
      return false;
    }
    if (KNOWN_PREFIX.matcher(token).matches() || HEX.matcher(token).matches()
        || BASE64_PADDED.matcher(token).matches()) {
      return true;
    }
    if (token.indexOf('/') >= 0 && token.indexOf('+') < 0) {
      return false; // a path
    }
    boolean upper = false;
    boolean lower = false;
    boolean digit = false;
    int runs = 0;
    int previous = -1;
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      int kind = Character.isUpperCase(c) ? 0 : Character.isLowerCase(c) ? 1 : Character.isDigit(c) ? 2 : 3;
      upper |= kind == 0;
      lower |= kind == 1;
      digit |= kind == 2;
      if (kind != previous) {
        runs++;
        previous = kind;
      }
    }
    return upper && lower && digit && token.length() < 2.4 * runs;
  }
}
