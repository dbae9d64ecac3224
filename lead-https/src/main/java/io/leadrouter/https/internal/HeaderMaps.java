package io.leadrouter.https.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Case-insensitive reads from a header map as servlet containers and {@code java.net.http} give them. */
public final class HeaderMaps {
  private HeaderMaps() {}

  /** Every value of the header {@code name}, whatever the case of its key, in map order. */
  public static List<String> values(Map<String, List<String>> headers, String name) {
    List<String> out = new ArrayList<>(1);
    headers.forEach((k, vs) -> {
      if (k != null && k.equalsIgnoreCase(name) && vs != null) {
        vs.stream().filter(v -> v != null && !v.isBlank()).map(String::strip).forEach(out::add);
      }
    });
    return out;
  }

  /** The first non-blank value of the header {@code name}. */
  public static Optional<String> first(Map<String, List<String>> headers, String name) {
    List<String> vs = values(headers, name);
    return vs.isEmpty() ? Optional.empty() : Optional.of(vs.get(0));
  }
}
