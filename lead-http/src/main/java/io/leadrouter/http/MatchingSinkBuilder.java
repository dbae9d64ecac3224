package io.leadrouter.http;

import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.RecordMatching.SyncMode;
import java.time.Duration;
import java.util.Objects;

/**
 * The builder of an HTTP sink that finds a lead's record by {@link RecordMatching} ({@code match}, {@code mode}):
 * the settings every such builder had written the same way, once. The sink's {@code build()} checks the matching
 * against its own rules (a key it can look up, a mode it supports).
 *
 * @param <B> the sink's builder, returned by every setter
 */
public abstract class MatchingSinkBuilder<B extends MatchingSinkBuilder<B>> extends HttpSinkBuilder<B> {
  private RecordMatching matching = RecordMatching.DEFAULT;

  /** A builder whose timeout is {@code defaultTimeout} until set. */
  protected MatchingSinkBuilder(Duration defaultTimeout) {
    super(defaultTimeout);
  }

  /** How a lead finds its record and what it may do with it ({@link RecordMatching#DEFAULT}: by lead id, upsert). */
  public B matching(RecordMatching matching) {
    this.matching = Objects.requireNonNull(matching, "matching");
    return self();
  }

  /** Which key finds a lead's record: its lead id (the default) or the customer's e-mail. */
  public B match(Match match) {
    return matching(matching.withMatch(Objects.requireNonNull(match, "match")));
  }

  /** What a delivery may do with the record it finds: create only, upsert (the default) or update only. */
  public B mode(SyncMode mode) {
    return matching(matching.withMode(Objects.requireNonNull(mode, "mode")));
  }

  /** The matching set (or the default). */
  protected final RecordMatching matching() {
    return matching;
  }
}
