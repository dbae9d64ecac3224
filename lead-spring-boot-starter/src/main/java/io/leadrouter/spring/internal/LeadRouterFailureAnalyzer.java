package io.leadrouter.spring.internal;

import io.leadrouter.ConfigurationException;
import java.util.stream.Collectors;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a router configuration error at start-up into Spring Boot's "APPLICATION FAILED TO START" report: each
 * problem with its key, and each fix. Internal: not API.
 */
public final class LeadRouterFailureAnalyzer extends AbstractFailureAnalyzer<ConfigurationException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationException cause) {
    String description = "The LeadRouter configuration is invalid:\n" + cause.problems().stream()
        .map(p -> "  - " + p.path() + ": " + p.message()).collect(Collectors.joining("\n"));
    String action = "Fix the leadrouter.* settings (or the file named by leadrouter.descriptor):\n"
        + cause.problems().stream().filter(p -> !p.fix().isEmpty())
            .map(p -> "  - " + p.path() + ": " + p.fix()).collect(Collectors.joining("\n"));
    return new FailureAnalysis(description, action, cause);
  }
}
