package io.leadrouter.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Problem;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SinkConfigTest {
  private static SinkConfig.Builder crm() {
    return SinkConfig.builder("crm", "dynamics");
  }

  private static List<String> problems(SinkConfig c) {
    return c.problems().stream().map(Problem::toString).toList();
  }

  @Test
  void string_givenMissingAndDefault() {
    SinkConfig c = crm().put("tenantId", "  contoso.onmicrosoft.com ").put("blank", "  ").build();

    assertThat(c.string("tenantId")).isEqualTo("contoso.onmicrosoft.com");
    assertThat(c.string("blank", "dflt")).isEqualTo("dflt");
    assertThat(c.string("clientId")).isEmpty();
    assertThat(problems(c)).containsExactly("sinks.crm.clientId: is required (set clientId for the dynamics sink)");
  }

  @Test
  void secret_byReference_isReturnedAndRedacted() {
    SinkConfig c = crm().secret("clientSecret", Secret.of("hunter2")).build();

    assertThat(c.secret("clientSecret").reveal()).isEqualTo("hunter2");
    assertThat(c.toString()).isEqualTo("SinkConfig[crm:dynamics {clientSecret=Secret[******]}]")
        .doesNotContain("hunter2");
    assertThat(c.problems()).isEmpty();
  }

  @Test
  void secret_inline_isRefusedOnce() {
    SinkConfig c = crm().put("clientSecret", "hunter2").build();

    assertThat(c.secret("clientSecret").isEmpty()).isTrue();
    assertThat(problems(c)).containsExactly("sinks.crm.clientSecret: is a secret and must not be written inline "
        + "(write it as ${ENV_VAR} or ${file:/path/to/file})");
  }

  @Test
  void secret_missing_isRequired() {
    SinkConfig c = crm().build();

    assertThat(c.secret("clientSecret").isEmpty()).isTrue();
    assertThat(problems(c)).containsExactly(
        "sinks.crm.clientSecret: is required (set clientSecret as ${ENV_VAR} or ${file:/path/to/file})");
  }

  @Test
  void optionalUri_validMissingRelativeAndMalformed() {
    SinkConfig c = crm().put("a", "https://contoso.crm.dynamics.com").put("b", "/relative").put("c", "http://x y")
        .build();

    assertThat(c.optionalUri("a")).contains(URI.create("https://contoso.crm.dynamics.com"));
    assertThat(c.optionalUri("b")).isEmpty();
    assertThat(c.optionalUri("c")).isEmpty();
    assertThat(c.optionalUri("d")).isEmpty();
    assertThat(problems(c)).containsExactly(
        "sinks.crm.b: '/relative' is not an absolute URL (write it as https://host/path)",
        "sinks.crm.c: 'http://x y' is not a valid URL: Illegal character in authority (write it as https://host/path)");
  }

  @Test
  void build_reportsReadingProblemsThenTheBuildersUnderTheSinksPathsThenUnknownKeys() {
    SinkConfig c = crm().put("url", "/relative").put("timout", "5s").build();
    c.optionalUri("url");
    java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    assertThatThrownBy(() -> c.build("thing", () -> {
      throw new ConfigurationException(List.of(
          new Problem("thing.url", "is required", "set url"),            // unreadable, already said: not again
          new Problem("thing.clientId", "is required", "set clientId")));
    })).isInstanceOf(ConfigurationException.class).hasMessage("invalid configuration (3 problems):\n"
        + "  - sinks.crm.url: '/relative' is not an absolute URL (write it as https://host/path)\n"
        + "  - sinks.crm.clientId: is required (set clientId)\n"
        + "  - sinks.crm.timout: is not a setting of the dynamics sink (remove it or check its spelling)");

    SinkConfig typo = crm().put("timout", "5s").build();
    assertThatThrownBy(() -> typo.build("thing", () -> (AutoCloseable) () -> closed.set(true)))
        .isInstanceOf(ConfigurationException.class);
    assertThat(closed).as("what build() made is closed when the whole fails").isTrue();
    assertThat(crm().build().build("", () -> "built")).isEqualTo("built");
  }

  @ParameterizedTest
  @CsvSource({"500ms, PT0.5S", "30s, PT30S", "5m, PT5M", "2h, PT2H", "1d, PT24H", "PT30S, PT30S", "pt1m, PT1M",
      "' 10 S ', PT10S", "0s, PT0S"})
  void duration_acceptedSyntax(String text, Duration expected) {
    SinkConfig c = crm().put("timeout", text).build();

    assertThat(c.duration("timeout", Duration.ofDays(9))).isEqualTo(expected);
    assertThat(c.problems()).isEmpty();
    assertThat(SinkConfig.parseDuration(text)).contains(expected);
  }

  @ParameterizedTest
  @CsvSource({"1.5h", "10 minutes", "s", "99999999999999999999s", "9999999999999999d"})
  void duration_invalid_recordsProblemAndReturnsDefault(String text) {
    SinkConfig c = crm().put("timeout", text).build();

    assertThat(c.duration("timeout", Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
    assertThat(problems(c)).containsExactly("sinks.crm.timeout: '" + text.strip()
        + "' is not a duration (write e.g. 500ms, 30s, 5m, 2h, 1d or PT30S)");
  }

  /**
   * A duration that reads but cannot be used: negative (was "'-5s' is not a duration": it is one, and the user needs
   * to hear that its sign is what is wrong), or longer than 100 years, refused like the descriptor's own durations.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "-5s           | is negative (write e.g. 500ms, 30s, 5m, 2h, 1d or PT30S)",
      "PT-5S         | is negative (write e.g. 500ms, 30s, 5m, 2h, 1d or PT30S)",
      "-1d           | is negative (write e.g. 500ms, 30s, 5m, 2h, 1d or PT30S)",
      "36501d        | is longer than 100 years (write at most 36500d, e.g. 30s)",
      "999999999999d | is longer than 100 years (write at most 36500d, e.g. 30s)",
      "876001h       | is longer than 100 years (write at most 36500d, e.g. 30s)",
      "PT876001H     | is longer than 100 years (write at most 36500d, e.g. 30s)"})
  void duration_outOfRange_isRefusedSayingWhy(String text, String why) {
    SinkConfig c = crm().put("timeout", text).build();

    assertThat(c.duration("timeout", Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
    assertThat(problems(c)).containsExactly("sinks.crm.timeout: '" + text + "' " + why);
  }

  @Test
  void duration_exactly100Years_isAccepted() {
    SinkConfig c = crm().put("timeout", "36500d").build();

    assertThat(c.duration("timeout", Duration.ofSeconds(7))).isEqualTo(SinkConfig.MAX_DURATION);
    assertThat(c.problems()).isEmpty();
  }

  @Test
  void duration_tooLongFromAReference_namesTheReferenceNotTheValue() {
    SinkConfig c = crm().secret("timeout", Secret.of("777777777777d"), "${file:/run/secrets/timeout}").build();

    c.duration("timeout", Duration.ofSeconds(7));

    assertThat(problems(c)).containsExactly("sinks.crm.timeout: the value from ${file:/run/secrets/timeout} is "
        + "longer than 100 years (write at most 36500d, e.g. 30s)");
  }

  @Test
  void duration_missing_returnsDefault() {
    assertThat(crm().build().duration("timeout", Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
    assertThat(SinkConfig.parseDuration("")).isEmpty();
  }

  @Test
  void integer_rangeAndSyntax() {
    SinkConfig c = crm().put("a", "42").put("b", "0").put("c", "4.2").put("d", "9999999999999999999").build();

    assertThat(c.integer("a", 1, 1, 100)).isEqualTo(42);
    assertThat(c.integer("b", 5, 1, 100)).isEqualTo(5);
    assertThat(c.integer("c", 5, 1, 100)).isEqualTo(5);
    assertThat(c.integer("d", 5, 1, 100)).isEqualTo(5);
    assertThat(c.integer("missing", 5, 1, 100)).isEqualTo(5);
    assertThat(problems(c)).containsExactly(
        "sinks.crm.b: 0 is out of range (use a value from 1 to 100)",
        "sinks.crm.c: '4.2' is not a whole number (use a value from 1 to 100)",
        "sinks.crm.d: '9999999999999999999' is not a whole number (use a value from 1 to 100)");
  }

  @Test
  void bool_andChoice() {
    SinkConfig c = crm().put("a", "TRUE").put("b", "yes").put("mode", "Upsert").put("other", "merge").build();

    assertThat(c.bool("a", false)).isTrue();
    assertThat(c.bool("b", false)).isFalse();
    assertThat(c.bool("missing", true)).isTrue();
    assertThat(c.choice("mode", "create", List.of("create", "upsert"))).isEqualTo("upsert");
    assertThat(c.choice("other", "create", List.of("create", "upsert"))).isEqualTo("create");
    assertThat(problems(c)).containsExactly(
        "sinks.crm.b: 'yes' is not a boolean (write true or false)",
        "sinks.crm.other: 'merge' is not one of [create, upsert] (use one of create, upsert)");
  }
  @Test
  void choice_aTypo_suggestsTheNearestChoice_caseAndPunctuationAside() {
    SinkConfig c = SinkConfig.builder("crm", "dynamics").put("mode", "Upsrt").put("other", "updateonly").build();

    assertThat(c.choice("mode", "create", List.of("create", "upsert"))).isEqualTo("create");
    assertThat(c.choice("other", "create", List.of("create", "upsert", "update-only"))).isEqualTo("create");
    assertThat(c.problems()).extracting(Problem::toString).containsExactly(
        "sinks.crm.mode: 'Upsrt' is not one of [create, upsert] (did you mean 'upsert'? otherwise use one of create,"
            + " upsert)",
        "sinks.crm.other: 'updateonly' is not one of [create, upsert, update-only] (did you mean 'update-only'?"
            + " otherwise use one of create, upsert, update-only)");
    assertThat(SinkConfig.didYouMean("emial", List.of("email", "phone"))).contains("did you mean 'email'?");
    assertThat(SinkConfig.didYouMean("fax", List.of("email", "phone"))).as("nothing close").isEmpty();
  }


  @Test
  void section_stripsPrefixAndMarksRead() {
    SinkConfig c = crm().put("mapping.firstname", "givenName").put("mapping.x.y", "z").put("mappings", "no")
        .secret("mapping.token", Secret.of("t")).build();

    assertThat(c.section("mapping")).containsExactly(Map.entry("firstname", "givenName"),
        Map.entry("token", "t"), Map.entry("x.y", "z"));
    assertThat(problems(c)).containsExactly(
        "sinks.crm.mappings: is not a setting of the dynamics sink (remove it or check its spelling)");
  }

  @Test
  void validate_reportsEveryProblemAtOnce() {
    SinkConfig c = crm().put("tenantld", "typo").put("timeout", "soon").build();
    c.string("tenantId");
    c.duration("timeout", Duration.ofSeconds(1));
    c.problem("instanceUrl", "is not a Dynamics URL", "use https://<org>.crm.dynamics.com");

    assertThatThrownBy(c::validate).isInstanceOf(ConfigurationException.class).hasMessage("""
        invalid configuration (4 problems):
          - sinks.crm.tenantId: is required (set tenantId for the dynamics sink)
          - sinks.crm.timeout: 'soon' is not a duration (write e.g. 500ms, 30s, 5m, 2h, 1d or PT30S)
          - sinks.crm.instanceUrl: is not a Dynamics URL (use https://<org>.crm.dynamics.com)
          - sinks.crm.tenantld: is not a setting of the dynamics sink (did you mean 'tenantId'? otherwise remove it)""");
  }

  @Test
  void validate_noProblem_doesNotThrow() {
    SinkConfig c = crm().put("a", "b").build();
    c.string("a");

    c.validate();

    assertThat(c.problems()).isEmpty();
  }

  @Test
  void resource_registeredOrAbsent() {
    SinkConfig c = crm().resource(StringBuilder.class, new StringBuilder("shared")).build();

    assertThat(c.resource(StringBuilder.class)).hasValueSatisfying(sb -> assertThat(sb).hasToString("shared"));
    assertThat(c.resource(Integer.class)).isEqualTo(Optional.empty());
  }

  @Test
  void keys_sortedAndOptionalStringRevealsReferencedValue() {
    SinkConfig c = crm().put("b", "1").secret("a", Secret.of("s")).build();

    assertThat(c.keys()).containsExactly("a", "b");
    assertThat(c.optionalString("a")).contains("s");
    assertThat(c.name()).isEqualTo("crm");
    assertThat(c.type()).isEqualTo("dynamics");
    assertThat(c.path("x")).isEqualTo("sinks.crm.x");
  }

  @Test
  void equals_byNameTypeValuesAndSecrets() {
    SinkConfig a = crm().put("k", "v").secret("s", Secret.of("1")).build();
    SinkConfig same = crm().put("k", "v").secret("s", Secret.of("1")).build();
    SinkConfig otherSecret = crm().put("k", "v").secret("s", Secret.of("2")).build();
    SinkConfig inline = crm().put("k", "v").put("s", "1").build();
    a.string("k");

    assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(a).isNotEqualTo(otherSecret).isNotEqualTo(inline)
        .isNotEqualTo(SinkConfig.builder("crm2", "dynamics").put("k", "v").secret("s", Secret.of("1")).build());
  }

  @Test
  void secret_redactedAndComparedByValue() {
    assertThat(Secret.of("x")).hasToString("Secret[******]").isEqualTo(Secret.of("x")).isNotEqualTo(Secret.of("y"));
    assertThat(Secret.of("").isEmpty()).isTrue();
  }
}
