package io.leadrouter.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 with one digest kept per thread: {@code MessageDigest.getInstance} walks the security providers on every
 * call, which showed in profiles of {@code route()} (ids derived from payloads, customer keys). Internal: not API.
 */
public final class Sha256 {
  private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  });

  private Sha256() {}

  /** The SHA-256 of {@code bytes} (the thread's digest is reset by the call). */
  public static byte[] digest(byte[] bytes) {
    return DIGEST.get().digest(bytes);
  }
}
