package io.leadrouter.spi;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/** A credential whose value never shows in {@code toString()}, logs or exception messages. */
public final class Secret {
  private static final String REDACTED = "Secret[******]";
  private final String value;
  /** What {@link Scrubber} searches for this value with; null until it first scrubs. */
  private volatile Optional<ScrubPatterns> patterns;

  private Secret(String value) {
    this.value = value;
  }

  /** Wraps a credential value; {@link Scrubber} removes it from destinations' answers while it is in use. */
  public static Secret of(String value) {
    Objects.requireNonNull(value, "value");
    Secret s = new Secret(value);
    register(s);
    return s;
  }

  /**
   * Every live secret, so that {@link Scrubber#standard()} can remove their values from what destinations echo back.
   * Weak references: a secret no longer in use is forgotten.
   */
  private static final List<WeakReference<Secret>> LIVE = new ArrayList<>();
  private static int pruneAt = 64;

  private static void register(Secret s) {
    synchronized (LIVE) {
      LIVE.add(new WeakReference<>(s));
      if (LIVE.size() >= pruneAt) {
        LIVE.removeIf(r -> r.get() == null);
        pruneAt = Math.max(64, LIVE.size() * 2);
      }
    }
  }

  /** The live secrets (for {@link Scrubber} only). */
  static List<Secret> live() {
    List<Secret> out = new ArrayList<>();
    synchronized (LIVE) {
      for (WeakReference<Secret> r : LIVE) {
        Secret s = r.get();
        if (s != null) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** A pattern for the value's encoded forms, which {@link Scrubber} searches for; computed once. */
  Optional<Pattern> scrubForms() {
    return scrubPatterns().map(ScrubPatterns::forms);
  }

  /** A pattern for the value wrapped over lines, which {@link Scrubber} searches for in text with line breaks. */
  Optional<Pattern> wrappedForms() {
    return scrubPatterns().map(ScrubPatterns::wrapped);
  }

  /**
   * The patterns of a value long enough to be searched for as text (a shorter one would match ordinary words) and
   * not a bare scheme prefix: a value that is nothing but {@code whsec_} or {@code sk_live_} (an empty webhook secret
   * given by mistake, refused by its builder) holds no secret, and searching for it redacted that prefix from every
   * message while the value lived: "give the whsec_... secret" became "give the [redacted]... secret".
   */
  private record ScrubPatterns(Pattern forms, Pattern wrapped) {}

  /** Letters and underscores ending in one: {@code whsec_}, {@code sk_live_}. */
  private static final Pattern BARE_PREFIX = Pattern.compile("[A-Za-z]+(?:_[A-Za-z]+)*_");

  private Optional<ScrubPatterns> scrubPatterns() {
    Optional<ScrubPatterns> p = patterns;
    if (p == null) {
      p = value.length() < Scrubber.MIN_SECRET_LENGTH || BARE_PREFIX.matcher(value).matches() ? Optional.empty()
          : Optional.of(new ScrubPatterns(Scrubber.formsPattern(value), Scrubber.wrappedPattern(value)));
      patterns = p;
    }
    return p;
  }

  /** The credential itself; call only where it is sent to its destination. */
  public String reveal() {
    return value;
  }

  /** Whether the value is empty. */
  public boolean isEmpty() {
    return value.isEmpty();
  }

  /** Compares in constant time. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s
        && MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), s.value.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public int hashCode() {
    return 0; // a hash would leak information about the value; secrets are not map keys
  }

  /** Always redacted. */
  @Override
  public String toString() {
    return REDACTED;
  }
}
