package io.leadrouter.spring.internal;

import io.leadrouter.ConfigurationException;
import io.leadrouter.LeadRouter;
import io.leadrouter.RouterDescriptor;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when there is a router to configure: {@code leadrouter.descriptor} or a {@code leadrouter.sinks} entry is
 * set, or the application defines a {@link RouterDescriptor} or {@link LeadRouter} bean itself; never when
 * {@code leadrouter.enabled} is {@code false}. A {@code leadrouter.enabled} that is neither {@code true} nor
 * {@code false} (a typo such as {@code ture}) fails the start naming the key: read as "not true", it would have
 * switched the router off without a word. Internal: not API.
 */
public final class OnLeadRouterConfigured extends SpringBootCondition implements ConfigurationCondition {
  private static final String ENABLED = EnvironmentDescriptor.PREFIX + ".enabled";

  @Override
  public ConfigurationPhase getConfigurationPhase() {
    return ConfigurationPhase.REGISTER_BEAN;
  }

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    String enabled = context.getEnvironment().getProperty(ENABLED);
    if (enabled != null) {
      if (enabled.strip().equalsIgnoreCase("false")) {
        return ConditionOutcome.noMatch(ENABLED + " is false");
      }
      if (!enabled.strip().equalsIgnoreCase("true")) {
        throw new ConfigurationException(ENABLED, "is '" + enabled + "', neither true nor false",
            "write true (the default) to configure the router from leadrouter.*, or false to turn the starter off");
      }
    }
    if (context.getEnvironment() instanceof ConfigurableEnvironment env && EnvironmentDescriptor.configured(env)) {
      return ConditionOutcome.match("leadrouter.descriptor or leadrouter.sinks is set");
    }
    if (context.getBeanFactory() != null
        && (context.getBeanFactory().getBeanNamesForType(RouterDescriptor.class, true, false).length > 0
        || context.getBeanFactory().getBeanNamesForType(LeadRouter.class, true, false).length > 0)) {
      return ConditionOutcome.match("the application defines a RouterDescriptor or LeadRouter bean");
    }
    return ConditionOutcome.noMatch("neither leadrouter.descriptor nor leadrouter.sinks is set,"
        + " and there is no RouterDescriptor or LeadRouter bean");
  }
}
