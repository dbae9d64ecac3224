package io.leadrouter.internal.descriptor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Resolves {@code ${ENV_VAR}} and {@code ${file:/path}} references inside a setting's value ({@code $${} writes a
 * literal {@code ${}). Problems name the variable or file, never a resolved value.
 */
final class References {
  /** Largest secret file read: 64 KiB, far above any key or certificate. */
  static final int MAX_FILE_BYTES = 64 * 1024;

  /**
   * An environment variable's name, or a property's ({@code leads.file}, {@code crm.client-secret}) where the names
   * are looked up in an environment of properties (Spring's, whose vaults and config files name them so).
   */
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern PROPERTY_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*(?:\\.[A-Za-z0-9_-]+)+");
  private static final String EMPTY_FIX = "set it to the value, or remove the setting";
  private static final String FORMS = "write ${ENV_VAR} or ${file:/path/to/file}, or $${ for a literal ${";

  private final Function<String, Optional<String>> env;
  private final Path baseDir;

  /**
   * A resolver reading variables through {@code env} and files relative to {@code baseDir}.
   */
  /** The folder relative paths resolve against (the descriptor's folder). */
  Path baseDir() {
    return baseDir;
  }

  References(Function<String, Optional<String>> env, Path baseDir) {
    this.env = env;
    this.baseDir = baseDir;
  }

  /**
   * A value with its references resolved.
   *
   * @param value the text with every reference replaced and every {@code $${} turned into {@code ${}
   * @param secret whether any reference was resolved, which makes the value a secret
   * @param marked whether a reference says the value is a secret: a {@code ${file:...}} (where secrets are mounted)
   *     or a variable named like one ({@code ${CRM_CLIENT_SECRET}}, {@code ${HOOK_TOKEN_URL}}); a value
   *     referred to otherwise ({@code ${CRM_URL}}) is a secret only where its sink reads it as one
   */
  record Resolved(String value, boolean secret, boolean marked) {
    Resolved(String value, boolean secret) {
      this(value, secret, secret);
    }
  }

  /** A variable name that says it holds a secret (or a value with a secret in it). */
  private static final Pattern SECRET_NAME = Pattern.compile(
      "(?i).*(secret|token|passw|pwd|key|sig|credential|auth|cookie|assertion|private|cert|sas).*");

  /** Resolves {@code text}, the value at {@code path}; empty (with a problem recorded) when a reference fails. */
  Optional<Resolved> resolve(String text, String path, Problems problems) {
    if (text.indexOf('$') < 0) {
      return Optional.of(new Resolved(text, false));
    }
    StringBuilder out = new StringBuilder(text.length());
    boolean secret = false;
    boolean marked = false;
    boolean ok = true;
    int i = 0;
    while (i < text.length()) {
      if (text.startsWith("$${", i)) {
        out.append("${");
        i += 3;
      } else if (text.startsWith("${", i)) {
        int end = text.indexOf('}', i + 2);
        if (end < 0) {
          problems.add(path, "has a ${ reference without its closing }", FORMS);
          return Optional.empty();
        }
        if (text.substring(i + 2, end).contains("${")) {
          // ${file:${HOME}/x}: the first } closes the inner reference, so the outer one would name the file "${HOME"
          problems.add(path, "'" + text.substring(i, end + 1) + "...' is a reference inside a reference, which is"
              + " not expanded", "write the inner part out in full, e.g. ${file:/home/app/secret}");
          return Optional.empty();
        }
        String reference = text.substring(i + 2, end).strip();
        marked |= reference.startsWith("file:") || SECRET_NAME.matcher(reference).matches();
        Optional<String> value = lookUp(reference, path, problems);
        value.ifPresent(out::append);
        ok &= value.isPresent();
        secret = true;
        i = end + 1;
      } else {
        out.append(text.charAt(i++));
      }
    }
    return ok ? Optional.of(new Resolved(out.toString(), secret, marked)) : Optional.empty();
  }

  private Optional<String> lookUp(String reference, String path, Problems problems) {
    if (reference.startsWith("file:")) {
      return readFile(reference.substring("file:".length()).strip(), path, problems);
    }
    boolean property = PROPERTY_NAME.matcher(reference).matches();
    if (!ENV_NAME.matcher(reference).matches() && !property) {
      problems.add(path, "'${" + reference + "}' is not a reference", FORMS);
      return Optional.empty();
    }
    Optional<String> value;
    try {
      value = Objects.requireNonNullElse(env.apply(reference), Optional.empty());
    } catch (RuntimeException e) {
      // never the exception's message: Spring's "Could not resolve placeholder 'x' in value ..." quotes the value,
      // i.e. the secret, when it holds ${...}
      problems.add(path, "environment variable " + reference + " cannot be read (" + e.getClass().getSimpleName()
          + ")", "a value holding ${...} is read as a placeholder where the environment resolves them (Spring):"
          + " put the secret in a file and write ${file:/path/to/file}");
      return Optional.empty();
    }
    String what = (property ? "property " : "environment variable ") + reference;
    if (value.isEmpty()) {
      problems.add(path, what + " is not set", property
          ? "set it where the application's properties are (Spring's application.yml, a vault, -D" + reference
              + "=...), or write ${ENV_VAR} or ${file:/path/to/file}"
          : "export it before starting the router, or use ${file:/path/to/file}");
    } else if (value.get().isBlank()) {
      // read as no value, the sink would call a secret given here "required": name the variable instead
      problems.add(path, what + " is set but empty", EMPTY_FIX);
      return Optional.empty();
    }
    return value;
  }

  private Optional<String> readFile(String name, String path, Problems problems) {
    if (name.isEmpty()) {
      problems.add(path, "'${file:}' names no file", "write ${file:/path/to/file}");
      return Optional.empty();
    }
    Path file;
    try {
      file = baseDir.resolve(name).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      problems.add(path, "'" + name + "' is not a valid file path: " + e.getReason(), "write ${file:/path/to/file}");
      return Optional.empty();
    }
    String cannot = "secret file " + file + " cannot be read: ";
    String fix = "check the path and that the router's user may read the file";
    String only = "point ${file:} to a regular file holding only the secret";
    try {
      // checked before opening: opening a FIFO blocks until a writer appears, a device may never end. Links are
      // followed (mounted secrets are often symbolic links), but what they lead to must be a regular file.
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      if (!attributes.isRegularFile()) {
        problems.add(path, "secret file " + file + " is " + (attributes.isDirectory() ? "a directory"
            : "not a regular file (a FIFO, device or socket)"), only);
        return Optional.empty();
      }
      if (attributes.size() > MAX_FILE_BYTES) {
        problems.add(path, tooLarge(file, attributes.size()), only);
        return Optional.empty();
      }
    } catch (NoSuchFileException e) {
      problems.add(path, cannot + "no such file", fix);
      return Optional.empty();
    } catch (AccessDeniedException e) {
      problems.add(path, cannot + "permission denied", fix);
      return Optional.empty();
    } catch (IOException e) {
      problems.add(path, cannot + e.getClass().getSimpleName(), fix);
      return Optional.empty();
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
      if (bytes.length > MAX_FILE_BYTES) { // grew since it was checked
        problems.add(path, tooLarge(file, bytes.length), only);
        return Optional.empty();
      }
      // files written by editors or `echo` end with a line break, and Notepad starts them with a byte-order mark:
      // neither is part of the secret
      String text = decode(bytes);
      String value = (text.startsWith("\uFEFF") ? text.substring(1) : text).replaceFirst("[\\r\\n]+$", "");
      if (value.isBlank()) {
        problems.add(path, "secret file " + file + " is empty", "write the value into it, or remove the setting");
        return Optional.empty();
      }
      return Optional.of(value);
    } catch (NoSuchFileException e) {
      problems.add(path, cannot + "no such file", fix);
    } catch (AccessDeniedException e) {
      problems.add(path, cannot + "permission denied", fix);
    } catch (CharacterCodingException e) {
      problems.add(path, cannot + "not UTF-8 text", "store the secret as UTF-8 text");
    } catch (IOException e) {
      problems.add(path, cannot + e.getClass().getSimpleName(), fix);
    }
    return Optional.empty();
  }

  private static String tooLarge(Path file, long size) {
    // in MiB from 1 MiB on: "(2097212 bytes" has the form of a phone number, which the output's scrubber masks
    return "secret file " + file + " is larger than the " + (MAX_FILE_BYTES >> 10) + " KiB limit ("
        + (size < 1 << 20 ? size + " bytes" : (size >> 20) + " MiB") + " or more)";
  }

  /** Strict UTF-8 decoding, so that a binary file is reported instead of becoming a mangled secret. */
  static String decode(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }
}
