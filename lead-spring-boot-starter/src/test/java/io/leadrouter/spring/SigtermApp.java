package io.leadrouter.spring;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.testkit.SampleLeads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The application {@code StarterHostileTest} runs in a child JVM and stops with SIGTERM: it routes one lead to a
 * destination that takes 3 s, writes {@code sending <id>} to the log file (args[1]) when the call starts and
 * {@code sent <id>} when it ends, and waits to be stopped.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration(LeadRouterAutoConfiguration.class)
public class SigtermApp {
  static Path log;

  @Bean
  LeadRouterCustomizer slowSink() {
    return b -> b.addSink("slow", new StarterHostileTest.SlowSink() {
      @Override
      public DeliveryResult deliver(Lead lead) {
        write("sending " + lead.id());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < until) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        write("sent " + lead.id());
        return DeliveryResult.created("rec-" + lead.id());
      }
    }).defaultRoute("slow");
  }

  static synchronized void write(String line) {
    try {
      Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** args: the journal path, the log file, and "route" to route one lead. */
  public static void main(String[] args) throws Exception {
    log = Path.of(args[1]);
    var context = new SpringApplicationBuilder(SigtermApp.class).web(WebApplicationType.NONE)
        .properties("leadrouter.journal.type=sqlite", "leadrouter.journal.path=" + args[0],
            "leadrouter.sinks.local.type=file", "leadrouter.sinks.local.path=" + args[0] + ".ndjson")
        .run();
    if (args.length > 2) {
      Lead lead = SampleLeads.azureMarketplaceInstall();
      context.getBean(LeadRouter.class).route(lead);
      write("routed " + lead.id());
    }
    Thread.currentThread().join(); // until SIGTERM: Spring's shutdown hook closes the context
  }
}
