package io.leadrouter.it.modulepath;

import io.leadrouter.IntakeReceipt;
import io.leadrouter.LeadRouter;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSinkProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

/**
 * Run with only {@code --module-path}: starts a router from a descriptor, takes in one marketplace payload, waits
 * until every destination has it, and prints what the module system saw (which module provided each sink type,
 * whether core's internal package is exported). Exit status 0 once delivered.
 */
public final class RouteOnModulePath {
  private RouteOnModulePath() {}

  /** {@code args}: the descriptor file, the payload file. */
  public static void main(String[] args) throws Exception {
    Module core = LeadRouter.class.getModule();
    System.out.println("core module: " + core.getName());
    System.out.println("app module: " + RouteOnModulePath.class.getModule().getName());
    System.out.println("internal exported: " + core.isExported("io.leadrouter.internal"));
    for (ServiceLoader.Provider<LeadSinkProvider> p : ServiceLoader.load(LeadSinkProvider.class).stream().toList()) {
      System.out.println("provider: " + p.get().type() + " <- " + p.type().getModule().getName());
    }
    try (LeadRouter router = LeadRouter.fromDescriptor(Path.of(args[0]))) {
      IntakeReceipt receipt = router.intake(Files.readAllBytes(Path.of(args[1])), "module-path test");
      if (!(receipt instanceof IntakeReceipt.Routed routed)) {
        System.out.println("quarantined: " + receipt);
        System.exit(2);
        return;
      }
      Map<String, DeliveryResult> results = routed.receipt().allDelivered().get(60, TimeUnit.SECONDS);
      System.out.println("delivered: " + results.keySet());
    }
  }
}
