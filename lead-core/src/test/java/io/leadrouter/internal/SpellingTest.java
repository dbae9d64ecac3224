package io.leadrouter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpellingTest {
  private static final List<String> KEYS = List.of("path", "tenantId", "tableName", "maxConcurrency", "timeout", "id");

  @Test
  void closest_oneOrTwoEditsOrASwap_namesTheKey() {
    assertThat(Spelling.closest("pth", KEYS)).contains("path");
    assertThat(Spelling.closest("tenantld", KEYS)).contains("tenantId");
    assertThat(Spelling.closest("tabelName", KEYS)).as("a swap is one edit").contains("tableName");
    assertThat(Spelling.closest("maxConcurency", KEYS)).contains("maxConcurrency");
    assertThat(Spelling.closest("timout", KEYS)).contains("timeout");
  }

  @Test
  void closest_caseOnlyDifference_namesTheKeyWhateverItsLength() {
    assertThat(Spelling.closest("MAXCONCURRENCY", KEYS)).contains("maxConcurrency");
    assertThat(Spelling.closest("ID", KEYS)).contains("id");
  }

  @Test
  void closest_farOrShortOrKnown_suggestsNothing() {
    assertThat(Spelling.closest("token", KEYS)).isEmpty();
    assertThat(Spelling.closest("fields", KEYS)).isEmpty();
    assertThat(Spelling.closest("ab", KEYS)).as("two edits would turn any short word into another").isEmpty();
    assertThat(Spelling.closest("path", KEYS)).as("a known key is no typo").isEmpty();
    assertThat(Spelling.closest("pth", List.of())).isEmpty();
  }

  @Test
  void closest_tie_namesTheAlphabeticallyFirst() {
    assertThat(Spelling.closest("pat", List.of("pats", "path"))).contains("path");
    assertThat(Spelling.didYouMean("pat", List.of("path", "pats"))).contains("did you mean 'path'?");
  }
}
