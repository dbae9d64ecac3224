package io.leadrouter;

/**
 * Size limits a lead must respect, so that every destination can take it (Azure Table strings are at most 64 KiB,
 * an entity at most 1 MiB).
 *
 * @param maxFieldChars most characters in one customer field, the offer title or an attribute value
 * @param maxDescriptionChars most characters in the description
 * @param maxAttributes most extra attributes
 * @param maxTotalChars most characters in the whole lead
 */
public record LeadLimits(int maxFieldChars, int maxDescriptionChars, int maxAttributes, int maxTotalChars) {
  /** The defaults: 1,024 per field, 32,000 for the description, 50 attributes, 64,000 in all. */
  public static final LeadLimits DEFAULTS = new LeadLimits(1024, 32_000, 50, 64_000);

  /** Validates the numbers. */
  public LeadLimits {
    if (maxFieldChars < 1 || maxDescriptionChars < 1 || maxAttributes < 0 || maxTotalChars < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }
}
