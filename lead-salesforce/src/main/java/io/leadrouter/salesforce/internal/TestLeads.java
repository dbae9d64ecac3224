package io.leadrouter.salesforce.internal;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import java.time.Clock;
import java.time.Instant;

/** The marketplace's publish-time test lead, as {@code verify()} sends it. */
public final class TestLeads {
  /** .NET ticks (100 ns since 0001-01-01) at the Unix epoch: the marketplace's {@code <ticks>}. */
  private static final long TICKS_AT_EPOCH = 621_355_968_000_000_000L;

  private TestLeads() {}

  /** A test lead: names, company {@code MSFT_TEST_<ticks>}, e-mail {@code MSFT_TEST_<ticks>@test.com}. */
  public static Lead create(Clock clock, String offerName) {
    Instant now = clock.instant();
    long ticks = TICKS_AT_EPOCH + now.getEpochSecond() * 10_000_000L + now.getNano() / 100;
    String t = "MSFT_TEST_" + ticks;
    return Lead.builder().id(LeadId.of(t)).createdTime(now)
        .firstName(t).lastName(t).email(t + "@test.com").phone("1234567890").country("US").company(t)
        .source(t + "-" + t + "|" + offerName).offerTitle(offerName).build();
  }
}
