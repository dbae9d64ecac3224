package io.leadrouter.internal.descriptor;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Problem;
import java.util.ArrayList;
import java.util.List;

/** Collects what is wrong with a descriptor, so that every problem is reported at once; builds their paths. */
final class Problems {
  private final List<Problem> found = new ArrayList<>();

  /** Records a problem at {@code path}. */
  void add(String path, String message, String fix) {
    found.add(new Problem(path, message, fix));
  }

  /** Records a problem found elsewhere (a sink provider's), unless one was recorded at its path already. */
  void addUnlessAt(Problem problem) {
    if (found.stream().noneMatch(p -> p.path().equals(problem.path()))) {
      found.add(problem);
    }
  }

  /** How many problems were recorded so far (to tell whether one section added any). */
  int count() {
    return found.size();
  }

  /** Throws one exception listing every problem, if there is any. */
  void throwIfAny() {
    if (!found.isEmpty()) {
      throw new ConfigurationException(found);
    }
  }

  /** The path of a key inside {@code parent}: {@code sinks.crm}; just the key at the top. */
  static String at(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** The path of a list element: {@code routes[1]}. */
  static String at(String parent, int index) {
    return parent + "[" + index + "]";
  }
}
