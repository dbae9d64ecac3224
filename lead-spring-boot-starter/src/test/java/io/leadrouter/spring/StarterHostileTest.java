package io.leadrouter.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The starter started the way an application starts it ({@code SpringApplication}, its failure analyzers as
 * registered in {@code spring.factories}), under an operator's mistakes: the journal file already used by another
 * context, a journal path that is a folder, a negative shutdown timeout; and stopped with a delivery in flight.
 */
@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
class StarterHostileTest {
  @TempDir Path dir;

  /** The application: nothing but the starter's auto-configuration. */
  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration(LeadRouterAutoConfiguration.class)
  static class App {}

  private String[] properties(Path journal) {
    return new String[] {
        "leadrouter.journal.type=sqlite",
        "leadrouter.journal.path=" + journal,
        "leadrouter.sinks.local.type=file",
        "leadrouter.sinks.local.path=" + dir.resolve("leads.ndjson"),
        "leadrouter.default[0]=local"};
  }

  private static ConfigurableApplicationContext start(Class<?> app, String... properties) {
    return new SpringApplicationBuilder(app).web(WebApplicationType.NONE).properties(properties).run();
  }

  @Test
  void aSecondContextOnTheSameJournalFile_failsToStartWithAReport_andTheFirstGoesOn(CapturedOutput output) {
    Path journal = dir.resolve("leadrouter.db");
    try (ConfigurableApplicationContext first = start(App.class, properties(journal))) {
      assertThatThrownBy(() -> start(App.class, properties(journal))).hasRootCauseInstanceOf(
          io.leadrouter.journal.JournalException.class);
      assertThat(output.getOut() + output.getErr())
          .contains("APPLICATION FAILED TO START")
          .contains("The LeadRouter journal cannot be opened: journal " + journal + " is already open in another"
              + " router")
          .contains("leadrouter.journal.path")
          .contains("give each process its own file, or use the PostgreSQL journal");
      Lead lead = SampleLeads.azureMarketplaceInstall();
      assertThat(first.getBean(LeadRouter.class).routeAndWait(lead, Duration.ofSeconds(30)))
          .containsOnlyKeys("local");
    }
  }

  @Test
  void aJournalPathThatIsAFolder_failsToStartWithAReportNamingTheProperty(CapturedOutput output) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("data"));
    assertThatThrownBy(() -> start(App.class, properties(folder))).isNotNull();
    assertThat(output.getOut() + output.getErr())
        .contains("APPLICATION FAILED TO START")
        .contains("journal " + folder + " is a folder, not a file: give the journal file's path, e.g. "
            + folder.resolve("leadrouter.db"))
        .contains("leadrouter.journal.path");
    try (var s = Files.list(folder)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void aNegativeShutdownTimeout_failsToStartNamingTheProperty(CapturedOutput output) {
    String[] props = properties(dir.resolve("leadrouter.db"));
    String[] all = java.util.Arrays.copyOf(props, props.length + 1);
    all[props.length] = "leadrouter.shutdown-timeout=-5s";
    assertThatThrownBy(() -> start(App.class, all)).isNotNull();
    assertThat(output.getOut() + output.getErr())
        .contains("APPLICATION FAILED TO START")
        .contains("leadrouter.shutdown-timeout: is negative (-5s)");
    // the router built before the failure was closed with the context: its journal can be opened again
    try (LeadJournal j = SqliteJournal.open(dir.resolve("leadrouter.db"))) {
      assertThat(j.counts()).isEmpty();
    }
  }

  @Test
  void lazyInitialization_theRouterStillStartsWithTheContext() {
    String[] props = properties(dir.resolve("leadrouter.db"));
    String[] all = java.util.Arrays.copyOf(props, props.length + 1);
    all[props.length] = "spring.main.lazy-initialization=true";
    try (ConfigurableApplicationContext context = start(App.class, all)) {
      assertThat(context.getBeanFactory().containsSingleton("leadRouter")).as("router built at start").isTrue();
    }
  }

  /**
   * DevTools restarts and test suites close a context and start a new one on the same journal in the same JVM:
   * each restart must give back the journal's lock and leave none of the router's threads running.
   */
  @Test
  void restartingTheContextFiveTimes_leaksNoThreadAndNoJournalLock() throws Exception {
    Path journal = dir.resolve("leadrouter.db");
    for (int i = 0; i < 5; i++) {
      try (ConfigurableApplicationContext context = start(App.class, properties(journal))) {
        assertThat(context.getBean(LeadRouter.class).routeAndWait(SampleLeads.testDrive(), Duration.ofSeconds(30)))
            .containsOnlyKeys("local");
      }
    }
    io.leadrouter.testkit.Await.until("no leadrouter thread left", Duration.ofSeconds(30),
        () -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.isAlive()
            && t.getName().startsWith("leadrouter")));
    try (LeadJournal j = SqliteJournal.open(journal)) {
      assertThat(j.counts().get("local").get(DeliveryState.DELIVERED)).isEqualTo(5L);
    }
  }

  /**
   * SIGTERM to a real child JVM while a delivery is under way: Spring's shutdown hook closes the context, the call
   * finishes and is recorded; the next start delivers nothing again.
   */
  @Test
  @org.junit.jupiter.api.Tag("slow") // two child JVMs, about a minute on two loaded cores
  void sigtermMidDelivery_theLeadIsDeliveredOnce_andNotAgainAtTheNextStart() throws Exception {
    Path journal = dir.resolve("leadrouter.db");
    Path log = dir.resolve("calls.log");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), SigtermApp.class.getName(), journal.toString(), log.toString(),
        "route").redirectErrorStream(true).redirectOutput(dir.resolve("child.out").toFile()).start();
    try {
      io.leadrouter.testkit.Await.until("the delivery started", Duration.ofSeconds(60),
          () -> Files.exists(log) && read(log).contains("sending "));
      child.destroy(); // SIGTERM
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child stopped").isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(read(log).lines().filter(l -> l.startsWith("sent ")).count()).as(read(log)).isEqualTo(1);
    Process next = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), SigtermApp.class.getName(), journal.toString(), log.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("next.out").toFile()).start();
    try {
      // the next start is up once it holds the journal; then a delivery, were one left, would start at once
      io.leadrouter.testkit.Await.until("the next start", Duration.ofSeconds(60),
          () -> read(dir.resolve("next.out")).contains("Started SigtermApp"));
      next.destroy();
      assertThat(next.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      next.destroyForcibly();
    }
    assertThat(read(log).lines().filter(l -> l.startsWith("sending ")).count()).as("sent once, not again")
        .isEqualTo(1);
    try (LeadJournal j = SqliteJournal.open(journal)) {
      assertThat(j.counts().get("slow")).containsEntry(DeliveryState.DELIVERED, 1L);
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A destination that takes 1.5 s per lead and counts how often it is closed. */
  static class SlowSink implements LeadSink {
    static final AtomicInteger CLOSED = new AtomicInteger();
    static final AtomicInteger SENT = new AtomicInteger();
    static final CountDownLatch SENDING = new CountDownLatch(1);

    @Override
    public DeliveryResult deliver(Lead lead) {
      SENT.incrementAndGet();
      SENDING.countDown();
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
      while (System.nanoTime() < until) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      return DeliveryResult.created("rec-" + lead.id());
    }

    @Override
    public VerificationReport verify() {
      return VerificationReport.builder("slow").passed("slow", "always").build();
    }

    @Override
    public SinkCapabilities capabilities() {
      return SinkCapabilities.builder().build();
    }

    @Override
    public void close() {
      CLOSED.incrementAndGet();
    }
  }

  /** The application with the slow destination added by a customizer. */
  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration(LeadRouterAutoConfiguration.class)
  static class SlowApp {
    @Bean
    LeadRouterCustomizer slow() {
      return b -> b.addSink("slow", new SlowSink()).defaultRoute("slow");
    }
  }

  @Test
  void contextClose_withADeliveryInFlight_drainsIt_andClosesTheRouterOnce() throws Exception {
    Path journal = dir.resolve("leadrouter.db");
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (ConfigurableApplicationContext context = start(SlowApp.class, properties(journal))) {
      context.getBean(LeadRouter.class).route(lead);
      assertThat(SlowSink.SENDING.await(30, TimeUnit.SECONDS)).as("the delivery started").isTrue();
    }
    assertThat(SlowSink.CLOSED).as("the sink (so the router) closed once").hasValue(1);
    try (LeadJournal j = SqliteJournal.open(journal)) {
      assertThat(j.deliveries(lead.id())).singleElement()
          .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED));
    }
    assertThat(SlowSink.SENT).hasValue(1);
  }
}
