package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP listener on 127.0.0.1 that counts every connection reaching it and closes it at once: SSRF tests point a
 * sink at it through a blocked spelling and assert that nothing arrived.
 */
public final class ConnectionTrap implements AutoCloseable {
  private final ServerSocket listener;
  private final AtomicInteger accepted = new AtomicInteger();

  private ConnectionTrap() {
    this.listener = Loopback.listen();
    Loopback.acceptAll(listener, "connection-trap", s -> {
      accepted.incrementAndGet();
      Loopback.closeQuietly(s);
    });
  }

  /** Listens on 127.0.0.1 on a free port. */
  public static ConnectionTrap open() {
    return new ConnectionTrap();
  }

  /** The port it listens on. */
  public int port() {
    return listener.getLocalPort();
  }

  /**
   * This trap as an HTTP proxy: a client sending through it connects here whatever host its URL names, so a test of
   * a guard that might let a request out can never reach a non-loopback address (the trap counts the attempt).
   */
  public Proxy httpProxy() {
    return new Proxy(Proxy.Type.HTTP, new InetSocketAddress(listener.getInetAddress(), port()));
  }

  /**
   * Connections that arrived, after waiting {@code settleMillis} so that one the kernel already completed has been
   * accepted.
   */
  public int accepted(long settleMillis) {
    try {
      TimeUnit.MILLISECONDS.sleep(settleMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return accepted.get();
  }

  /**
   * What a hostile resolver answers for every name: the unspecified address 0.0.0.0, which reaches this machine (and
   * so the trap) when connected to. As an OkHttp resolver: {@code .dns(ConnectionTrap::unspecifiedAddress)}.
   */
  public static List<InetAddress> unspecifiedAddress(String name) throws UnknownHostException {
    return List.of(InetAddress.getByAddress(name, new byte[4]));
  }

  /**
   * Delivers a sample lead to {@code sink} (pointed at this trap through a blocked address) and asserts it was refused
   * permanently, with {@code code}, before anything connected here; returns the refusal's diagnosis.
   */
  public Diagnosis refusedWithoutConnecting(LeadSink sink, String code) {
    PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class,
        () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(e).as("refused permanently").isNotNull();
    assertThat(e.diagnosisValue().code()).isEqualTo(code);
    assertThat(accepted(100)).as("connections that reached the trap").isZero();
    return e.diagnosisValue();
  }

  /** Stops listening. */
  @Override
  public void close() {
    Loopback.closeQuietly(listener);
  }
}
