package io.leadrouter.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** What a refused address says, for the URL's host and for the proxy a client sends through. */
class BlockedAddressExceptionTest {
  @Test
  void theUrlsHost_keepsTheSinksOwnFix() throws Exception {
    BlockedAddressException e = new BlockedAddressException("crm.internal.test", InetAddress.getByName("10.0.0.7"),
        "private network (10.0.0.0/8)", false);

    assertThat(e.isProxy()).isFalse();
    assertThat(e.getMessage()).isEqualTo("crm.internal.test resolves to 10.0.0.7, a private network (10.0.0.0/8)"
        + " address; requests to it are blocked to prevent server-side request forgery");
    assertThat(e.toDeliveryException("X_BLOCKED_ADDRESS", "instanceUrl", "correct instanceUrl").diagnosisValue()
        .remediation()).isEqualTo("correct instanceUrl");
  }

  @Test
  void theProxy_saysSo_andItsFixIsTheProxySettings_notTheSinksUrl() throws Exception {
    BlockedAddressException target = new BlockedAddressException("proxy.corp.test",
        InetAddress.getByName("169.254.10.1"), "link-local / cloud metadata (169.254.0.0/16)", false);
    BlockedAddressException proxy = target.ofProxy();

    assertThat(proxy.isProxy()).isTrue();
    assertThat(proxy.host()).isEqualTo("proxy.corp.test");
    assertThat(proxy.getMessage()).startsWith("the proxy proxy.corp.test resolves to 169.254.10.1, a link-local");
    Diagnosis d = proxy.toDeliveryException("X_BLOCKED_ADDRESS", "instanceUrl", "correct instanceUrl")
        .diagnosisValue();
    assertThat(d.code()).isEqualTo("X_BLOCKED_ADDRESS");
    assertThat(d.message()).startsWith("instanceUrl: the proxy proxy.corp.test");
    assertThat(d.remediation()).startsWith("correct the proxy settings").contains("proxy.corp.test", "allowedHosts")
        .doesNotContain("instanceUrl");
  }
}
