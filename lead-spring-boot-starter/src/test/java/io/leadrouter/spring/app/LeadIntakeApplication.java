package io.leadrouter.spring.app;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.MarketplaceCodec;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** A service receiving the marketplace's lead posts and routing them: all the code a Spring user writes. */
@SpringBootApplication
public class LeadIntakeApplication {

  /** The marketplace's "HTTPS endpoint". */
  @RestController
  static class Leads {
    private final LeadRouter router;

    Leads(LeadRouter router) {
      this.router = router;
    }

    @PostMapping(path = "/leads", consumes = "application/json")
    ResponseEntity<String> receive(@RequestBody byte[] body) {
      Lead lead = MarketplaceCodec.standard().fromJson(body);
      router.route(lead); // returns once the lead is durable
      return ResponseEntity.accepted().body(lead.id().toString());
    }
  }
}
