package io.leadrouter.spring;

import static io.leadrouter.spring.StarterContexts.rootCause;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The starter as an operator observes it, under hostile conditions: several routers in one context, a journal
 * damaged at run time, mistyped and wrongly typed keys, sink names Spring's relaxed binding would split, and the
 * Actuator endpoints that show the environment.
 */
@Timeout(120)
class StarterObservabilityAttackTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final ApplicationContextRunner runner = StarterContexts.runner();

  private String[] fileSink(String name) {
    return new String[] {
        "leadrouter.journal.type=sqlite",
        "leadrouter.journal.path=" + dir.resolve("leadrouter.db"),
        "leadrouter.sinks." + name + ".type=file",
        "leadrouter.sinks." + name + ".path=" + dir.resolve("leads.ndjson"),
        "leadrouter.default[0]=" + name};
  }

  /** An application with two routers of its own (one per journal), as a multi-tenant service has. */
  @Configuration(proxyBeanMethods = false)
  static class TwoRouters {
    static final InMemoryLeadSink A = new InMemoryLeadSink();
    static final InMemoryLeadSink B = new InMemoryLeadSink();

    @Bean
    LeadRouter tenantA() {
      return LeadRouter.builder().journal(InMemoryJournal.create()).addSink("a", A).defaultRoute("a").build();
    }

    @Bean
    LeadRouter tenantB() {
      return LeadRouter.builder().journal(InMemoryJournal.create()).addSink("b", B).defaultRoute("b").build();
    }
  }

  @Test
  void twoRouterBeans_theContextStarts_eachIsClosedAtShutdown_andHealthCoversBoth() {
    LeadRouter[] routers = new LeadRouter[2];
    runner.withUserConfiguration(TwoRouters.class)
        .withConfiguration(AutoConfigurations.of(HealthContributorAutoConfiguration.class,
            HealthContributorRegistryAutoConfiguration.class, EndpointAutoConfiguration.class,
            HealthEndpointAutoConfiguration.class))
        .run(context -> {
          assertThat(context).hasNotFailed();
          routers[0] = context.getBean("tenantA", LeadRouter.class);
          routers[1] = context.getBean("tenantB", LeadRouter.class);
          routers[0].routeAndWait(SampleLeads.testDrive(), WAIT);
          HealthEndpoint health = context.getBean(HealthEndpoint.class);
          assertThat(health.healthForPath("leadrouter", "tenantA", "a")).isNotNull();
          assertThat(health.healthForPath("leadrouter", "tenantB", "b")).isNotNull();
        });
    for (LeadRouter r : routers) {
      assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> r.route(SampleLeads.appSourceCreate())))
          .as("closed with the context").hasMessageContaining("closed");
    }
  }

  @Test
  void aJournalDamagedAtRunTime_makesHealthDown_namingTheJournalAndTheRecovery() throws Exception {
    Path db = dir.resolve("damaged.db");
    try (var j = SqliteJournal.open(db)) {
      for (int i = 0; i < 300; i++) {
        j.accept(Lead.builder().id(String.format("lead-%04d", i)).createdTime(Instant.parse("2026-01-01T00:00:00Z"))
            .firstName("Jane").lastName("Doe").email("jane@contoso.com").country("US")
            .source("AzureMarketplace-INS|contoso.crm").offerTitle("CRM")
            .description("a description long enough that 300 leads span many pages ".repeat(4)).build(),
            List.of("crm"), Instant.parse("2026-01-01T00:00:00Z"));
      }
    }
    overwriteMiddlePage(db);
    runner.withPropertyValues("leadrouter.journal.type=memory", "leadrouter.sinks.crm.type=file",
            "leadrouter.sinks.crm.path=" + dir.resolve("leads.ndjson"), "leadrouter.default=crm",
            "management.endpoint.health.show-details=always")
        .withBean(LeadRouterCustomizer.class, () -> b -> b.journal(SqliteJournal.open(db,
            SqliteJournal.IntegrityCheck.NONE)))
        .withConfiguration(AutoConfigurations.of(HealthContributorAutoConfiguration.class,
            HealthContributorRegistryAutoConfiguration.class, EndpointAutoConfiguration.class,
            HealthEndpointAutoConfiguration.class))
        .run(context -> {
          assertThat(context).hasNotFailed();
          HealthEndpoint health = context.getBean(HealthEndpoint.class);
          // the worker claims the pending leads and meets the damaged page; until then the journal reads fine.
          // Every probe must answer (a throwing indicator made /actuator/health fail as a whole)
          long deadline = System.nanoTime() + WAIT.toNanos();
          Status status = health.health().getStatus();
          while (!status.equals(Status.DOWN) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            status = health.health().getStatus();
          }
          assertThat(status).as("health once the damage is met").isEqualTo(Status.DOWN);
          var crm = (org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor)
              health.healthForPath("leadrouter", "crm");
          assertThat(crm.getStatus()).isEqualTo(Status.DOWN);
          assertThat(crm.getDetails()).containsEntry("journal", "unavailable");
          assertThat(String.valueOf(crm.getDetails().get("error"))).contains(db.toString()).contains(".recover");
        });
  }

  @Test
  void aJournalRefusingLeads_makesHealthDownWithItsReason_untilItTakesThemAgain() throws Exception {
    runner.withPropertyValues(fileSink("crm")).run(context -> {
      var health = (org.springframework.boot.health.contributor.CompositeHealthContributor) context.getBean(
          "leadrouterHealthContributor");
      var crm = (org.springframework.boot.health.contributor.HealthIndicator) health.getContributor("crm");
      assertThat(crm.health().getStatus()).isEqualTo(Status.UP);
      // the journal's files moved away under the running application (a clean-up script): leads are refused
      Path away = java.nio.file.Files.createDirectories(dir.resolve("away"));
      for (String suffix : List.of("", "-wal", "-shm")) {
        java.nio.file.Files.move(dir.resolve("leadrouter.db" + suffix), away.resolve("leadrouter.db" + suffix));
      }
      var down = awaitStatus(crm, Status.DOWN);
      assertThat(down.getDetails()).containsEntry("journal", "refusing leads");
      assertThat(String.valueOf(down.getDetails().get("error"))).contains("was deleted or moved away");
      for (String suffix : List.of("-wal", "-shm", "")) {
        java.nio.file.Files.move(away.resolve("leadrouter.db" + suffix), dir.resolve("leadrouter.db" + suffix));
      }
      awaitStatus(crm, Status.UP); // by itself, no lead routed
    });
  }

  private static org.springframework.boot.health.contributor.Health awaitStatus(
      org.springframework.boot.health.contributor.HealthIndicator indicator, Status status)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    var health = indicator.health();
    while (!health.getStatus().equals(status) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      health = indicator.health();
    }
    assertThat(health.getStatus()).as("%s", health.getDetails()).isEqualTo(status);
    return health;
  }

  @Test
  void aClosedRouter_isOutOfService_notDown() {
    runner.withPropertyValues(fileSink("local")).run(context -> {
      var health = (org.springframework.boot.health.contributor.CompositeHealthContributor) context.getBean(
          "leadrouterHealthContributor");
      var local = (org.springframework.boot.health.contributor.HealthIndicator) health.getContributor("local");
      assertThat(local.health().getStatus()).isEqualTo(Status.UP);
      context.getBean(LeadRouter.class).close();
      assertThat(local.health().getStatus()).as("closed, as while the application shuts down")
          .isEqualTo(Status.OUT_OF_SERVICE);
    });
  }

  @Test
  void enabledMistyped_failsToStart_namingTheKey() {
    runner.withPropertyValues(fileSink("local")).withPropertyValues("leadrouter.enabled=ture").run(context -> {
      assertThat(context).as("a router silently switched off by a typo").hasFailed();
      assertThat(rootCause(context.getStartupFailure(), ConfigurationException.class)).hasMessageContaining(
          "leadrouter.enabled: is 'ture', neither true nor false");
    });
  }

@Test
  void shutdownTimeoutOfTheWrongType_failsToStartNamingTheKeyAsWritten() {
    runner.withPropertyValues(fileSink("local")).withPropertyValues("leadrouter.shutdownTimeout=soon")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(rootCause(context.getStartupFailure(), ConfigurationException.class)).hasMessageContaining(
              "leadrouter.shutdownTimeout: is 'soon', not a duration (write a duration such as 30s");
        });
  }


  @Test
  void starterKeys_inEveryRelaxedSpelling_areTheStartersNotTheDescriptors() throws Exception {
    // Spring binds leadrouter.shutdown_timeout and SHUTDOWN-TIMEOUT as shutdown-timeout; the descriptor must not
    // take them for a section of its own (it refused them as unknown, and with leadrouter.descriptor as keys set twice)
    for (String key : List.of("leadrouter.shutdown_timeout", "leadrouter.SHUTDOWN-TIMEOUT", "leadrouter.Enabled")) {
      String value = key.endsWith("Enabled") ? "true" : "5s";
      runner.withPropertyValues(fileSink("local")).withPropertyValues(key + "=" + value).run(context ->
          assertThat(context).as(key).hasNotFailed().hasSingleBean(LeadRouter.class));
    }
    Path descriptor = dir.resolve("leadrouter.yaml");
    java.nio.file.Files.writeString(descriptor, "journal: {type: memory}\nsinks:\n  local: {type: file, path: "
        + dir.resolve("leads.ndjson") + "}\ndefault: [local]\n");
    runner.withPropertyValues("leadrouter.descriptor=" + descriptor, "leadrouter.shutdown_timeout=5s")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(LeadRouter.class));
  }

  @Test
  void sinkNames_withDashUpperCaseAndDot_keepTheirNames() {
    runner.withPropertyValues(fileSink("my-crm_2")).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(LeadRouter.class).destinations()).containsExactly("my-crm_2");
    });
    // sink names are lower case (they name metrics, spans and journal rows): upper case is refused, not folded
    runner.withPropertyValues(fileSink("CRM")).run(context -> assertThat(rootCause(context.getStartupFailure(),
        ConfigurationException.class)).hasMessageContaining("leadrouter.sinks.CRM: 'CRM' is not a valid sink name"));
    // application.yml's `sinks: {crm.eu: ...}` arrives as leadrouter.sinks.crm.eu.type: the name's dot is the
    // problem, not a missing type of a sink 'crm'
    runner.withPropertyValues(fileSink("crm.eu")).run(context -> {
      ConfigurationException e = rootCause(context.getStartupFailure(), ConfigurationException.class);
      assertThat(e.problems()).extracting(p -> p.path()).containsExactly("leadrouter.sinks.crm.eu",
          "leadrouter.default[0]");
      assertThat(e.getMessage()).contains("leadrouter.sinks.crm.eu: is read as the sink 'crm' with a setting 'eu'")
          .contains("name the sink without a dot, e.g. crm-eu").doesNotContain("leadrouter.sinks.crm.type");
    });
  }


  @Test
  void actuatorEnv_showingValues_neverShowsASecretTheRouterUses() {
    String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef"
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    showingEnv("leadrouter.journal.type=memory", "leadrouter.sinks.hooks.type=https",
            "leadrouter.sinks.hooks.url=https://hooks.example.com/leads", "leadrouter.default=hooks",
            "HOOK_SECRET=" + secret, "leadrouter.sinks.hooks.signingSecret=${HOOK_SECRET}",
            "management.endpoints.jmx.exposure.include=env")
        .run(context -> {
          EnvironmentEndpoint env = envEndpoint(context);
          String shown = describe(env.environment(null));
          assertThat(shown).as("the endpoint shows values").contains("hooks.example.com")
              .doesNotContain(secret).doesNotContain(secret.substring(6, 20));
          assertThat(describe(env.environmentEntry("HOOK_SECRET"))).doesNotContain(secret.substring(6, 20));
          assertThat(describe(env.environmentEntry("leadrouter.sinks.hooks.url"))).as("other values still shown")
              .contains("https://hooks.example.com/leads");
        });
  }

  /**
   * {@code signingSecret: ${hook.signing}} and {@code hook.signing: ${VAULT_HOOK}}: the secret is {@code VAULT_HOOK}'s
   * value, two references away. Only the property the key names was masked, so the variable itself was shown.
   */
  @Test
  void actuatorEnv_showingValues_masksASecretReachedThroughAChainOfReferences() {
    String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString("chained-reference-secret-0123456"
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    String password = "Chain-Pa55-w0rd-in-url";
    showingEnv("leadrouter.journal.type=memory", "leadrouter.sinks.hooks.type=https",
            "leadrouter.sinks.hooks.url=${hook.url}", "hook.url=${HOOK_ENDPOINT}",
            "HOOK_ENDPOINT=https://hooks.example.com/leads?code=" + password, "leadrouter.default=hooks",
            "leadrouter.sinks.hooks.signingSecret=${hook.signing}", "hook.signing=${VAULT_HOOK}",
            "VAULT_HOOK=" + secret)
        .run(context -> {
          EnvironmentEndpoint env = envEndpoint(context);
          String shown = describe(env.environment(null));
          assertThat(shown).as("the endpoint shows values").contains("hooks.example.com")
              .doesNotContain(secret.substring(6, 26)).doesNotContain(password);
          assertThat(describe(env.environmentEntry("VAULT_HOOK"))).doesNotContain(secret.substring(6, 26));
          assertThat(describe(env.environmentEntry("HOOK_ENDPOINT"))).doesNotContain(password)
              .contains("hooks.example.com");
        });
  }

  @Test
  void actuatorEnv_showingValues_masksEverySecretHeader_andWhatTheUrlsReferTo() {
    String bearer = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQtMTIzNA.c2lnbmF0dXJlLTU2Nzg";
    String subscription = "9f86d081884c7d659a2feaa0c55ad015";
    String dbPassword = "S3cr3t-Db-Pa55";
    showingEnv("leadrouter.journal.type=memory", "leadrouter.sinks.hooks.type=https",
            "leadrouter.sinks.hooks.url=https://hooks.example.com/leads",
            "leadrouter.sinks.hooks.signingSecret=${HOOK_SECRET}", "HOOK_SECRET=whsec_abcdefghijklmnopqrstuvwxyz012345",
            // header names are the destination's: nothing in them says "secret", the section does
            "leadrouter.sinks.hooks.secretHeaders.Authorization=${HOOK_AUTH}", "HOOK_AUTH=" + bearer,
            "leadrouter.sinks.hooks.secretHeaders[Ocp-Apim-Subscription-Key]=${APIM_KEY}", "APIM_KEY=" + subscription,
            "leadrouter.default=hooks",
            // a URL naming its own credentials, referred to by a key that is not named like a secret
            "leadrouter.sinks.hooks.headers.X-Origin=${ORIGIN_URL}",
            "ORIGIN_URL=https://crm-user:" + dbPassword + "@origin.example.com/leads")
        .run(context -> {
          EnvironmentEndpoint env = envEndpoint(context);
          String shown = describe(env.environment(null));
          assertThat(shown).as("the endpoint shows values").contains("hooks.example.com")
              .doesNotContain("c2VjcmV0LXBheWxvYWQtMTIzNA").doesNotContain(subscription).doesNotContain(dbPassword);
          assertThat(describe(env.environmentEntry("HOOK_AUTH"))).doesNotContain("c2VjcmV0LXBheWxvYWQtMTIzNA");
          assertThat(describe(env.environmentEntry("APIM_KEY"))).doesNotContain(subscription);
          assertThat(describe(env.environmentEntry("ORIGIN_URL"))).doesNotContain(dbPassword);
        });
  }
  /** The runner with these properties and Actuator's env endpoint showing values over the web. */
  private ApplicationContextRunner showingEnv(String... properties) {
    return StarterContexts.showingEnv(runner.withPropertyValues(properties));
  }

  /** The started context's env endpoint. */
  private static EnvironmentEndpoint envEndpoint(
      org.springframework.boot.test.context.assertj.AssertableApplicationContext context) {
    assertThat(context).hasNotFailed();
    return context.getBean(EnvironmentEndpoint.class);
  }


  /** Environment variables as the process would have them, in the place Spring puts the real ones. */
  private static org.springframework.context.ApplicationContextInitializer<
      org.springframework.context.ConfigurableApplicationContext> variables(String... nameValue) {
    java.util.Map<String, Object> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      map.put(nameValue[i], nameValue[i + 1]);
    }
    return context -> context.getEnvironment().getPropertySources().addAfter(
        org.springframework.core.env.StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME,
        new org.springframework.core.env.SystemEnvironmentPropertySource("testVariables", map));
  }

  @Test
  void aVariableNamedLikeAKey_isNotSilentlyIgnored_theStartNamesItAndHowToUseIt() throws Exception {
    // the operator sets a key the file sink has no value for (a variable overrides a key written under
    // leadrouter., see EnvironmentVariableOverrideTest); ignored, the router would run without what was set
    Path moved = dir.resolve("moved.ndjson");
    runner.withPropertyValues(fileSink("local")).withInitializer(variables("LEADROUTER_SINKS_LOCAL_FOLDER",
        moved.toString(), "LEADROUTER_TOKEN", "not a key of the router")).run(context -> {
          assertThat(context).as("a router running without what the operator set").hasFailed();
          ConfigurationException e = rootCause(context.getStartupFailure(), ConfigurationException.class);
          assertThat(e.problems()).extracting(p -> p.path()).containsExactly("LEADROUTER_SINKS_LOCAL_FOLDER");
          assertThat(e.getMessage()).contains("LEADROUTER_SINKS_LOCAL_FOLDER: is an environment variable named like"
              + " the key leadrouter.sinks.local.folder, but no such key is written under leadrouter.")
              .contains("leadrouter.sinks.local.folder: ${LEADROUTER_SINKS_LOCAL_FOLDER}");
        });
    // with no leadrouter.* key at all, the starter said nothing and built no router
    runner.withInitializer(variables("LEADROUTER_SINKS_LOCAL_TYPE", "file")).run(context -> {
      assertThat(context).hasFailed();
      assertThat(rootCause(context.getStartupFailure(), ConfigurationException.class).getMessage())
          .contains("LEADROUTER_SINKS_LOCAL_TYPE: is an environment variable named like the key");
    });
    // referred to through a property of the application's own, it is used on purpose
    runner.withPropertyValues(fileSink("local")).withPropertyValues("LEADS_FILE=${LEADROUTER_SINKS_LOCAL_PATH}",
        "leadrouter.sinks.local.path=${LEADS_FILE}").withInitializer(variables("LEADROUTER_SINKS_LOCAL_PATH",
        moved.toString())).run(context -> assertThat(context).hasNotFailed());
    // referred to, as the message says, it is read
    runner.withPropertyValues(fileSink("local")).withPropertyValues("leadrouter.sinks.local.path=${"
        + "LEADROUTER_SINKS_LOCAL_PATH}").withInitializer(variables("LEADROUTER_SINKS_LOCAL_PATH", moved.toString()))
        .run(context -> {
          assertThat(context).hasNotFailed();
          Lead lead = SampleLeads.azureMarketplaceInstall();
          context.getBean(LeadRouter.class).routeAndWait(lead, WAIT);
          assertThat(java.nio.file.Files.readString(moved)).contains(lead.id().toString());
        });
  }

  private static String describe(Object descriptor) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().findAndRegisterModules()
        .configure(com.fasterxml.jackson.databind.SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
        .writeValueAsString(descriptor);
  }

  /** Overwrites one whole page in the middle of the file (not page 1, the header) with random bytes. */
  private static void overwriteMiddlePage(Path db) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      f.seek(16);
      int pageSize = f.readUnsignedShort();
      pageSize = pageSize == 1 ? 65536 : pageSize;
      long pages = f.length() / pageSize;
      byte[] garbage = new byte[pageSize];
      new java.util.Random(42).nextBytes(garbage);
      f.seek(pages / 2 * pageSize);
      f.write(garbage);
    }
  }
}
