package io.leadrouter.salesforce.internal;

import java.net.URI;
import java.time.Duration;

/** Argument checks shared by the settings records; each throws {@link IllegalArgumentException} naming the value. */
public final class Require {
  private Require() {}

  /** A positive duration. */
  public static void positive(Duration value, String name) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }

  /** An integer of at least {@code min}. */
  public static void atLeast(int value, int min, String name) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ": " + value);
    }
  }

  /** An absolute URL with a host. */
  public static void absoluteUrl(URI value, String name) {
    if (!value.isAbsolute() || value.getHost() == null) {
      throw new IllegalArgumentException(name + " must be an absolute URL: " + value);
    }
  }
}
