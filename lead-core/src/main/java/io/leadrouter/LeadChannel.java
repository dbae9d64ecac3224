package io.leadrouter;

import java.util.Optional;

/** Where a lead came from: the {@code Source} part of the lead-source descriptor. */
public enum LeadChannel {
  /** Azure Marketplace. */
  AZURE_MARKETPLACE("AzureMarketplace"),
  /** The Azure portal. */
  AZURE_PORTAL("AzurePortal"),
  /** A test drive. */
  TEST_DRIVE("TestDrive"),
  /** AppSource (descriptor text {@code SPZA}). */
  APPSOURCE("SPZA"),
  /** The marketplace's publish-time test lead ({@code MSFT_TEST_<ticks>}). */
  TEST("MSFT_TEST"),
  /** A channel this version does not know; the raw text is kept on the {@link LeadSource}. */
  UNKNOWN("");

  private final String code;

  LeadChannel(String code) {
    this.code = code;
  }

  /** The text the marketplace uses for this channel. */
  public String code() {
    return code;
  }

  /**
   * The channel for a descriptor text, matched case-insensitively and in Unicode's compatibility form without invisible
   * format characters: the full-width {@code ＳＰＺＡ} and {@code SP\u200BZA} with a zero-width space inside are {@code SPZA}.
   */
  public static Optional<LeadChannel> fromCode(String text) {
    String code = LeadSource.codeForm(text);
    for (LeadChannel c : values()) {
      if (c != UNKNOWN && c != TEST && c.code.equalsIgnoreCase(code)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
