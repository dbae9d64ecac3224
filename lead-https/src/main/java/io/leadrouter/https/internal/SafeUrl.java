package io.leadrouter.https.internal;

import okhttp3.HttpUrl;

/** Shows a URL without what may be a secret: the marketplace's receivers often carry a token in the query. */
public final class SafeUrl {
  private SafeUrl() {}

  /** {@code https://host:port/path?…}: user info dropped, query and fragment elided. */
  public static String show(HttpUrl url) {
    String origin = url.scheme() + "://" + (url.host().indexOf(':') >= 0 ? "[" + url.host() + "]" : url.host())
        + (url.port() == HttpUrl.defaultPort(url.scheme()) ? "" : ":" + url.port());
    return origin + url.encodedPath() + (url.encodedQuery() == null ? "" : "?…");
  }

  /** Like {@link #show(HttpUrl)} for text that may not parse (e.g. a {@code Location} header), relative to base. */
  public static String show(String location, HttpUrl base) {
    HttpUrl resolved = base.resolve(location);
    return resolved == null ? "(an unreadable location)" : show(resolved);
  }
}
