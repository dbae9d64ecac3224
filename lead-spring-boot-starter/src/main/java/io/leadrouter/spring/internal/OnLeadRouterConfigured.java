package io.leadrouter.spring.internal;

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
 * set, or the application defines a {@link RouterDescriptor} or {@link LeadRouter} bean itself. Internal: not API.
 */
public final class OnLeadRouterConfigured extends SpringBootCondition implements ConfigurationCondition {
  @Override
  public ConfigurationPhase getConfigurationPhase() {
    return ConfigurationPhase.REGISTER_BEAN;
  }

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
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
