package io.leadrouter.https.internal;

import io.leadrouter.spi.Secret;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;

/**
 * Shows a URL without what may be a secret: the marketplace's receivers often carry a token in the query, in the
 * path ({@code /services/T0/B0/<token>}) or in the user info.
 */
public final class SafeUrl {
  /** A path segment or query value at least this long, with letters and digits, is taken for a token. */
  static final int TOKEN_LENGTH = 16;

  private SafeUrl() {}

  /** {@code https://host:port/path?…}: user info dropped, token-like path segments, query and fragment elided. */
  public static String show(HttpUrl url) {
    String origin = url.scheme() + "://" + (url.host().indexOf(':') >= 0 ? "[" + url.host() + "]" : url.host())
        + (url.port() == HttpUrl.defaultPort(url.scheme()) ? "" : ":" + url.port());
    StringBuilder path = new StringBuilder();
    for (String segment : url.encodedPathSegments()) {
      path.append('/').append(tokenLike(segment) ? "…" : segment);
    }
    return origin + path + (url.encodedQuery() == null ? "" : "?…");
  }

  /** Like {@link #show(HttpUrl)} for text that may not parse (e.g. a {@code Location} header), relative to base. */
  public static String show(String location, HttpUrl base) {
    HttpUrl resolved = base.resolve(location);
    return resolved == null ? "(an unreadable location)" : show(resolved);
  }

  /**
   * What in {@code url} may be a credential, as {@link Secret}s: the user info's password, token-like path segments
   * and query values, and the fragment. The sink holds them while it lives, so that the Scrubber removes them from
   * whatever a receiver echoes back (a receiver's error page quoting the request URL), whatever the query
   * parameter's name.
   */
  public static List<Secret> credentials(HttpUrl url) {
    List<String> values = new ArrayList<>();
    values.add(url.password());
    url.pathSegments().stream().filter(SafeUrl::tokenLike).forEach(values::add);
    for (int i = 0; i < url.querySize(); i++) {
      String v = url.queryParameterValue(i);
      if (v != null && tokenLike(v)) {
        values.add(v);
      }
    }
    if (url.fragment() != null) {
      values.add(url.fragment());
    }
    List<Secret> out = new ArrayList<>();
    values.stream().filter(v -> !v.isEmpty()).distinct().forEach(v -> out.add(Secret.of(v)));
    return List.copyOf(out);
  }

  private static boolean tokenLike(String s) {
    return s.length() >= TOKEN_LENGTH && s.chars().anyMatch(Character::isDigit)
        && s.chars().anyMatch(Character::isLetter);
  }
}
