package io.leadrouter.marketo.internal;

import io.leadrouter.spi.Secret;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import okhttp3.HttpUrl;

/**
 * Removes a secret from text. Marketo's identity call carries the client secret in its query string, and OkHttp
 * exception messages can quote URLs, so every message that may stem from that call passes through here.
 */
public final class Redactor {
  private static final String MASK = "******";
  private final List<String> forms = new ArrayList<>();

  /** A redactor for {@code secret} in its raw and URL-encoded forms. */
  public Redactor(Secret secret) {
    String raw = Objects.requireNonNull(secret, "secret").reveal();
    if (raw.isEmpty()) {
      return;
    }
    forms.add(raw);
    String okhttpForm = new HttpUrl.Builder().scheme("http").host("x").addQueryParameter("s", raw).build()
        .encodedQuery();
    addForm(okhttpForm == null ? "" : okhttpForm.substring(2));
    addForm(URLEncoder.encode(raw, StandardCharsets.UTF_8));
    // longest first, so a form containing another is masked whole
    forms.sort((a, b) -> b.length() - a.length());
  }

  private void addForm(String form) {
    if (!form.isEmpty() && !forms.contains(form)) {
      forms.add(form);
    }
  }

  /** {@code text} with every form of the secret masked; {@code ""} for null. */
  public String scrub(String text) {
    if (text == null) {
      return "";
    }
    String out = text;
    for (String form : forms) {
      out = out.replace(form, MASK);
    }
    return out;
  }

  /**
   * A stand-in for {@code e} safe to attach as a cause: same type name, scrubbed message, same stack trace, and no
   * nested causes (whose messages could quote the URL).
   */
  public IOException safeCopy(Throwable e) {
    IOException copy = new IOException(e.getClass().getName() + ": " + scrub(e.getMessage()));
    copy.setStackTrace(e.getStackTrace());
    return copy;
  }
}
