package io.leadrouter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.env.EnvironmentEndpointAutoConfiguration;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** What the starter's tests share: the context runner, Actuator's env endpoint showing values, waits, root causes. */
final class StarterContexts {
  /** How long a test waits for a lead's delivery or an event. */
  static final Duration WAIT = Duration.ofSeconds(30);

  private StarterContexts() {}

  /** A runner with the starter's auto-configuration alone. */
  static ApplicationContextRunner runner() {
    return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LeadRouterAutoConfiguration.class));
  }

  /** The runner with Actuator's env endpoint, exposed over the web and showing values, as an operator may set it. */
  static ApplicationContextRunner showingEnv(ApplicationContextRunner runner) {
    return runner.withPropertyValues("management.endpoint.env.show-values=always",
            "management.endpoints.web.exposure.include=env")
        .withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class,
            EnvironmentEndpointAutoConfiguration.class));
  }

  /** Everything the started context's env endpoint shows, as its JSON. */
  static String envShown(AssertableApplicationContext context) throws JsonProcessingException {
    assertThat(context).hasNotFailed();
    return new ObjectMapper().findAndRegisterModules().configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
        .writeValueAsString(context.getBean(EnvironmentEndpoint.class).environment(null));
  }

  /** The first {@code type} in the failure's causes; an assertion error if there is none. */
  static <T extends Throwable> T rootCause(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + failure, failure);
  }

  /** Polls until {@code condition} holds, failing after {@link #WAIT}. */
  static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited %s", WAIT).isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
