package io.leadrouter.https.internal;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import java.time.Clock;
import java.time.Instant;

/**
 * The test lead the marketplace sends when a publisher saves an offer's lead settings: names, e-mail and company
 * {@code MSFT_TEST_<ticks>} (e-mail {@code @test.com}), phone {@code 1234567890}, country {@code US}, source
 * {@code MSFT_TEST_<ticks>-MSFT_TEST_<ticks>|<Offer name>}. {@code <ticks>} are .NET ticks (100 ns since
 * 0001-01-01), as the marketplace writes them.
 */
public final class MarketplaceTestLead {
  /** .NET ticks at the Unix epoch. */
  private static final long EPOCH_TICKS = 621_355_968_000_000_000L;

  private MarketplaceTestLead() {}

  /** A test lead stamped with the clock's current time, for the offer named {@code offerTitle}. */
  public static Lead create(Clock clock, String offerTitle) {
    Instant now = clock.instant();
    long ticks = EPOCH_TICKS + now.getEpochSecond() * 10_000_000L + now.getNano() / 100;
    String t = "MSFT_TEST_" + ticks;
    return Lead.builder().id(LeadId.of(t)).createdTime(now)
        .firstName(t).lastName(t).email(t + "@test.com").phone("1234567890").country("US").company(t)
        .source(t + "-" + t + "|" + offerTitle).offerTitle(offerTitle).build();
  }
}
