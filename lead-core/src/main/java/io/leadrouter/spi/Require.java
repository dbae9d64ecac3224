package io.leadrouter.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks that builders and settings records share (the router's, the journals', the sinks'): each returns
 * the value it checked, so a setter reads {@code this.maxBatch = Require.atLeast(maxBatch, 1, "maxBatch")}, and
 * throws {@link IllegalArgumentException} naming the argument and the value it refused.
 */
public final class Require {
  private Require() {}

  /**
   * {@code value}, checked to be at least {@code min}.
   *
   * @throws IllegalArgumentException {@code maxBatch must be >= 1: 0}
   */
  public static int atLeast(int value, int min, String name) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ": " + value);
    }
    return value;
  }

  /**
   * {@code value}, checked to be present and longer than zero.
   *
   * @throws NullPointerException naming {@code name} when it is null
   * @throws IllegalArgumentException {@code lease must be positive: PT0S}
   */
  public static Duration positive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return value;
  }
}
