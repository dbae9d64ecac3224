package io.leadrouter.salesforce.internal;

import java.net.URI;

/**
 * The URL check the settings records share (the other argument checks are lead-core's
 * {@link io.leadrouter.spi.Require}).
 */
public final class Urls {
  private Urls() {}

  /**
   * Checks that {@code value} is an absolute URL with a host.
   *
   * @throws IllegalArgumentException {@code myDomain must be an absolute URL: contoso}
   */
  public static void requireAbsolute(URI value, String name) {
    if (!value.isAbsolute() || value.getHost() == null) {
      throw new IllegalArgumentException(name + " must be an absolute URL: " + value);
    }
  }
}
