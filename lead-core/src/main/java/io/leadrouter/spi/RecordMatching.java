package io.leadrouter.spi;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Problem;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a CRM sink finds the record a lead belongs to ({@code match}) and what it may do with it ({@code mode}): the
 * descriptor keys {@code match: leadId | email} and {@code mode: create | upsert | update-only}.
 *
 * <p>The default, {@link #DEFAULT} ({@code match: leadId}, {@code mode: upsert}), is the safe one: a lead updates
 * only the record an earlier delivery of the same lead made, so two different people are never merged. With
 * {@code match: email} the same customer's later leads (INS, then Create, then StartTestDrive) update one record; a
 * sink finds it with its API's own lookup and never guesses when the lookup finds several. A lead without an e-mail
 * (e.g. an {@code .edu} customer sent anonymously) cannot be matched by e-mail: sinks fall back to the lead id.
 *
 * @param match which key finds the existing record
 * @param mode what to do when a record is found, or not
 */
public record RecordMatching(Match match, SyncMode mode) {
  /** The descriptor key naming the match key. */
  public static final String MATCH_KEY = "match";
  /** The descriptor key naming the sync mode. */
  public static final String MODE_KEY = "mode";
  /** {@code match: leadId}, {@code mode: upsert}: today's behaviour, never merging different people. */
  public static final RecordMatching DEFAULT = new RecordMatching(Match.LEAD_ID, SyncMode.UPSERT);

  /** Checks both parts are present. */
  public RecordMatching {
    Objects.requireNonNull(match, "match");
    Objects.requireNonNull(mode, "mode");
  }

  /** Which key finds the existing record a lead belongs to. */
  public enum Match {
    /** The lead's own id ({@code LeadId}): only a redelivery of the same lead finds its record. The default. */
    LEAD_ID("leadId"),
    /** The customer's e-mail address: every lead of one customer finds the same record. */
    EMAIL("email");

    private final String spelling;

    Match(String spelling) {
      this.spelling = spelling;
    }

    /** How the descriptor writes it: {@code leadId} or {@code email}. */
    public String spelling() {
      return spelling;
    }

    /** The value written {@code text} (any case), if it is one. */
    public static Optional<Match> of(String text) {
      return Arrays.stream(values()).filter(m -> m.spelling.equalsIgnoreCase(text.strip())).findFirst();
    }

    /** Every spelling, in declaration order. */
    public static List<String> spellings() {
      return Arrays.stream(values()).map(Match::spelling).toList();
    }

    /** The descriptor spelling. */
    @Override
    public String toString() {
      return spelling;
    }
  }

  /** What a delivery may do with the record it finds (or does not find). */
  public enum SyncMode {
    /** Create a record when none matches; a matching record is left untouched (reported as unchanged). */
    CREATE("create"),
    /** Update the matching record, or create one when none matches. The default. */
    UPSERT("upsert"),
    /** Update the matching record; when none matches the delivery fails permanently, saying which key found none. */
    UPDATE_ONLY("update-only");

    private final String spelling;

    SyncMode(String spelling) {
      this.spelling = spelling;
    }

    /** How the descriptor writes it: {@code create}, {@code upsert} or {@code update-only}. */
    public String spelling() {
      return spelling;
    }

    /** The value written {@code text} (any case), if it is one. */
    public static Optional<SyncMode> of(String text) {
      return Arrays.stream(values()).filter(m -> m.spelling.equalsIgnoreCase(text.strip())).findFirst();
    }

    /** Every spelling, in declaration order. */
    public static List<String> spellings() {
      return Arrays.stream(values()).map(SyncMode::spelling).toList();
    }

    /** The descriptor spelling. */
    @Override
    public String toString() {
      return spelling;
    }
  }

  /** Whether this is {@link #DEFAULT}. */
  public boolean isDefault() {
    return equals(DEFAULT);
  }

  /** This with another match key. */
  public RecordMatching withMatch(Match match) {
    return new RecordMatching(match, mode);
  }

  /** This with another sync mode. */
  public RecordMatching withMode(SyncMode mode) {
    return new RecordMatching(match, mode);
  }

  /**
   * Reads {@code match} and {@code mode} from a sink's settings, each defaulting as {@link #DEFAULT}. An unknown
   * value is recorded as a problem on {@code config} naming the key as written ({@code sinks.crm.mode}) and the
   * allowed values, and reported with every other problem by {@link SinkConfig#validate()} or
   * {@link SinkConfig#build}; the default part stands in meanwhile.
   */
  public static RecordMatching from(SinkConfig config) {
    Objects.requireNonNull(config, "config");
    String match = config.choice(MATCH_KEY, DEFAULT.match.spelling, Match.spellings());
    String mode = config.choice(MODE_KEY, DEFAULT.mode.spelling, SyncMode.spellings());
    return new RecordMatching(Match.of(match).orElseThrow(), SyncMode.of(mode).orElseThrow());
  }

  /**
   * Parses the two settings as written (either may be null or blank for its default), for settings that do not come
   * through a {@link SinkConfig} (e.g. framework properties).
   *
   * @throws ConfigurationException naming each unknown value's key ({@code match}, {@code mode}) and the allowed
   *     values
   */
  public static RecordMatching parse(String match, String mode) {
    List<Problem> problems = new java.util.ArrayList<>();
    Match m = parsed(match, DEFAULT.match, Match::of, MATCH_KEY, Match.spellings(), problems);
    SyncMode s = parsed(mode, DEFAULT.mode, SyncMode::of, MODE_KEY, SyncMode.spellings(), problems);
    if (!problems.isEmpty()) {
      throw new ConfigurationException(problems);
    }
    return new RecordMatching(m, s);
  }

  private static <T> T parsed(String text, T fallback, java.util.function.Function<String, Optional<T>> of,
      String key, List<String> allowed, List<Problem> problems) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    Optional<T> value = of.apply(text);
    if (value.isEmpty()) {
      // the same words SinkConfig.choice uses, so a value reads alike wherever it was written
      problems.add(new Problem(key, "'" + text.strip() + "' is not one of " + allowed,
          "use one of " + String.join(", ", allowed)));
      return fallback;
    }
    return value.get();
  }

  /** {@code match: email, mode: create}. */
  @Override
  public String toString() {
    return MATCH_KEY + ": " + match + ", " + MODE_KEY + ": " + mode;
  }
}
