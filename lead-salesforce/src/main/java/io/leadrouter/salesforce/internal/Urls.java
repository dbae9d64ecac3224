package io.leadrouter.salesforce.internal;

import java.net.URI;

/**
 * The URL check the settings records share (the other argument checks are lead-core's
 * {@link io.leadrouter.spi.Require}).
 */
public final class Urls {
  private Urls() {}

  /** The URL as an error may show it: a password in its user info and a secret query value removed. */
  private static String shown(Object url) {
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials(String.valueOf(url));
  }

  /**
   * Checks that {@code value} is an absolute URL with a host.
   *
   * @throws IllegalArgumentException {@code myDomain must be an absolute URL: contoso}
   */
  public static void requireAbsolute(URI value, String name) {
    if (!value.isAbsolute()) {
      throw new IllegalArgumentException(name + " must be an absolute URL: " + shown(value));
    }
    if (value.getHost() == null) { // e.g. 169.254.43518 or 0251.0376.0251.0376: java.net.URI reads no host in them
      throw new IllegalArgumentException(name + " has no host name that can be read: " + shown(value) + "; write the "
          + "host name the service gave you (e.g. https://<domain>.my.salesforce.com for myDomain)");
    }
  }
}
