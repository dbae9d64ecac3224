package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.ConfigurationException;
import io.leadrouter.spi.LeadSink;
import java.net.URI;
import java.util.List;
import java.util.function.Function;
import org.assertj.core.api.SoftAssertions;

/**
 * URL hosts a CRM sink's "plain http only to a test fake on this machine" rule must tell apart: spellings of this
 * machine ({@code io.leadrouter.spi.AddressGuard#namesThisMachine}), which it accepts, and hosts that only look or
 * resolve like it, which it refuses.
 */
public final class LoopbackSpellings {
  /** {@code localhost} in case and trailing-dot spellings, and loopback literals in IPv4 and IPv6 forms. */
  public static final List<String> THIS_MACHINE = List.of("localhost", "LOCALHOST", "localhost.", "LocalHost.",
      "127.0.0.1", "127.0.0.2", "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]");
  /**
   * Names resolving to or around loopback, the unspecified address, a private address, a public name, and IPv6
   * addresses embedding 127.0.0.1 for another host (a NAT64 gateway, a 6to4 relay, an IPv6 route).
   */
  public static final List<String> ELSEWHERE = List.of("127.0.0.1.nip.io", "localhost.example.com",
      "localhost-fake.example", "localhost.localdomain", "xn--lcalhost-nbh", "0.0.0.0", "[::]", "10.0.0.1",
      "crm.example.com", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[::127.0.0.1]");

  private LoopbackSpellings() {}

  /**
   * Builds a sink with {@code sinks} for {@code http://<host>:8080} (the function adds any path the setting needs):
   * asserts it is built (and closed) for every {@link #THIS_MACHINE} host, and refused with a
   * {@link ConfigurationException} whose message holds {@code refusal} for every {@link #ELSEWHERE} host.
   */
  public static void assertPlainHttpOnlyToThisMachine(Function<URI, ? extends LeadSink> sinks, String refusal) {
    SoftAssertions soft = new SoftAssertions();
    for (String host : THIS_MACHINE) {
      Throwable e = catchThrowable(() -> sinks.apply(URI.create("http://" + host + ":8080")).close());
      soft.assertThat(e).as("plain http to %s, this machine", host).isNull();
    }
    for (String host : ELSEWHERE) {
      Throwable e = catchThrowable(() -> sinks.apply(URI.create("http://" + host + ":8080")).close());
      soft.assertThat(e).as("plain http to %s", host).isInstanceOf(ConfigurationException.class)
          .hasMessageContaining(refusal);
    }
    soft.assertAll();
  }
}
