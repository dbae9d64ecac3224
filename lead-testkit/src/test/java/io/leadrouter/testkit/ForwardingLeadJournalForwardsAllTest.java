package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.ForwardingLeadJournal;
import io.leadrouter.journal.LeadJournal;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A wrapper that keeps one of {@link LeadJournal}'s default methods instead of forwarding it silently drops what the
 * journal it wraps does there (fencing stale settlements, telling why intake is refused, renewing leases): every
 * method, default ones included, is forwarded.
 */
class ForwardingLeadJournalForwardsAllTest {
  @Test
  void everyMethodOfLeadJournal_defaultOnesIncluded_isForwarded() {
    List<String> kept = Arrays.stream(LeadJournal.class.getMethods())
        .filter(m -> !Modifier.isStatic(m.getModifiers()))
        .filter(m -> declaringClassOf(m) != ForwardingLeadJournal.class)
        .map(m -> m.getName() + Arrays.toString(m.getParameterTypes()))
        .toList();
    assertThat(kept).as("LeadJournal methods ForwardingLeadJournal does not forward").isEmpty();
  }

  private static Class<?> declaringClassOf(Method m) {
    try {
      return ForwardingLeadJournal.class.getMethod(m.getName(), m.getParameterTypes()).getDeclaringClass();
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
  }
}
