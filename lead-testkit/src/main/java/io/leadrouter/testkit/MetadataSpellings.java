package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Problem;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * URL hosts that all reach the cloud metadata service 169.254.169.254 (or the link-local range it is in): what a
 * hostile configuration writes to get past a guard that knows only the dotted form. A sink configured with any of
 * them must refuse it, either when built (a problem naming the setting) or at delivery (a permanent diagnosis the
 * guard made before connecting), and never fail otherwise.
 */
public final class MetadataSpellings {
  /** Decimal, hex, octal, short, trailing dot, upper case, user info, IPv4-mapped/compatible, NAT64, 6to4, zone. */
  public static final List<String> HOSTS = List.of("169.254.169.254", "2852039166", "0xa9fea9fe", "0XA9FEA9FE",
      "0251.0376.0251.0376", "169.254.43518", "0xa9.0xfe.0xa9.0xfe", "169.254.169.254.", "good@169.254.169.254",
      "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "[::a9fe:a9fe]", "[64:ff9b::a9fe:a9fe]",
      "[2002:a9fe:a9fe::]", "[fe80::1]", "[FE80::A9FE:A9FE]", "[fe80::1%25eth0]");

  private MetadataSpellings() {}

  /**
   * Builds a sink with {@code sinks} and delivers a sample lead: asserts it is refused at build with a problem under
   * one of {@code settings} (or a builder's {@link IllegalArgumentException} starting with it), or at delivery with a permanent {@code code} whose cause is the guard's refusal.
   */
  public static void assertRefused(Supplier<? extends LeadSink> sinks, String code, Collection<String> settings) {
    LeadSink sink;
    try {
      sink = sinks.get();
    } catch (IllegalArgumentException e) { // a builder's own check: it must name the setting
      assertThat(settings).as(e.getMessage()).anyMatch(s -> e.getMessage().startsWith(s + " "));
      return;
    } catch (ConfigurationException e) {
      // a descriptor's paths may carry the sink's prefix (dynamics.instanceUrl)
      assertThat(e.problems()).extracting(Problem::path)
          .anySatisfy(path -> assertThat(settings).anyMatch(s -> path.equals(s) || path.endsWith("." + s)));
      return;
    }
    try (sink) {
      Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
      assertThat(e).as("refused permanently").isInstanceOf(PermanentDeliveryException.class);
      assertThat(((DeliveryException) e).diagnosis()).hasValueSatisfying(d -> {
        assertThat(d.code()).isEqualTo(code);
        assertThat(d.remediation()).containsAnyOf(settings.toArray(String[]::new));
      });
      assertThat(AddressGuard.blockedCause(e)).as("refused by the SSRF guard before connecting").isPresent();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
