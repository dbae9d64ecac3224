package io.leadrouter;

import java.util.Optional;

/** What the customer did: the {@code Action} part of the lead-source descriptor. */
public enum LeadAction {
  /** {@code INS}: installed the offer. */
  INSTALL("INS"),
  /** {@code PLT}: pre-install, "contact me" or free trial started. */
  PRE_INSTALL("PLT"),
  /** {@code DNC}: do not contact. Routed all the same: CRMs need it to suppress the contact. */
  DO_NOT_CONTACT("DNC"),
  /** {@code Create}: AppSource, the customer consented to share details. */
  CREATE("Create"),
  /** {@code StartTestDrive}: started a test drive. */
  START_TEST_DRIVE("StartTestDrive"),
  /** The marketplace's publish-time test lead. */
  TEST("MSFT_TEST"),
  /** An action this version does not know; the raw text is kept on the {@link LeadSource}. */
  UNKNOWN("");

  private final String code;

  LeadAction(String code) {
    this.code = code;
  }

  /** The text the marketplace uses for this action. */
  public String code() {
    return code;
  }

  /**
   * The action for a descriptor text, matched case-insensitively and in Unicode's compatibility form without invisible
   * format characters: the full-width {@code ＤＮＣ} and {@code D\u200BNC} with a zero-width space inside are {@code DNC}.
   */
  public static Optional<LeadAction> fromCode(String text) {
    String code = LeadSource.codeForm(text);
    for (LeadAction a : values()) {
      if (a != UNKNOWN && a != TEST && a.code.equalsIgnoreCase(code)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
