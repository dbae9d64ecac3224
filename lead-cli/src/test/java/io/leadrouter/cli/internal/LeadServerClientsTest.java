package io.leadrouter.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/**
 * What {@code --max-connections-per-client} counts connections against. An IPv6 host owns a /64 and may connect from
 * any address in it (privacy addresses, or one per connection): counted per address, one host could open any number
 * of connections, so IPv6 clients are counted per /64. (No test machine routes a /64 to loopback without root, so the
 * keys are checked here; {@code SlowClientsIT} attacks the cap itself over IPv4.)
 */
class LeadServerClientsTest {
  @Test
  void ipv6AddressesOfOneSlash64_countAsOneClient() throws UnknownHostException {
    String a = LeadServer.Clients.client(address("2001:db8:1:2::1"));
    String b = LeadServer.Clients.client(address("2001:db8:1:2:dead:beef:1234:5678"));
    String c = LeadServer.Clients.client(address("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    assertThat(a).isEqualTo("2001:db8:1:2::/64").isEqualTo(b).isEqualTo(c);
    assertThat(LeadServer.Clients.client(address("2001:db8:1:3::1"))).isEqualTo("2001:db8:1:3::/64");
    assertThat(LeadServer.Clients.client(address("::1"))).isEqualTo("0:0:0:0::/64");
  }

  @Test
  void ipv4Clients_andIpv4MappedOnADualStackSocket_areCountedPerAddress() throws UnknownHostException {
    assertThat(LeadServer.Clients.client(address("127.0.0.2"))).isEqualTo("127.0.0.2");
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 203, 0, 113, 7};
    assertThat(LeadServer.Clients.client(new InetSocketAddress(InetAddress.getByAddress(mapped), 1)))
        .isEqualTo("203.0.113.7");
    assertThat(LeadServer.Clients.client(address("203.0.113.8"))).isEqualTo("203.0.113.8");
  }

  private static InetSocketAddress address(String literal) throws UnknownHostException {
    return new InetSocketAddress(InetAddress.getByName(literal), 40000);
  }
}
