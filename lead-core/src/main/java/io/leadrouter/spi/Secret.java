package io.leadrouter.spi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/** A credential whose value never shows in {@code toString()}, logs or exception messages. */
public final class Secret {
  private static final String REDACTED = "Secret[******]";
  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  /** Wraps a credential value. */
  public static Secret of(String value) {
    Objects.requireNonNull(value, "value");
    return new Secret(value);
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
