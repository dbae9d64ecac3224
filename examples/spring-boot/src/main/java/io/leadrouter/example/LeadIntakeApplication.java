package io.leadrouter.example;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.MarketplaceCodec;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A service that is the marketplace's "HTTPS endpoint": it receives each lead post and routes it. The router comes
 * from {@code application.yml} ({@code leadrouter.*}); this class is all the code there is.
 */
@SpringBootApplication
public class LeadIntakeApplication {

  /** Starts the service. */
  public static void main(String[] args) {
    SpringApplication.run(LeadIntakeApplication.class, args);
  }

  /** {@code POST /leads} with the marketplace's JSON: 202 with the lead id once the lead is durable. */
  @RestController
  static class Leads {
    private final LeadRouter router;

    Leads(LeadRouter router) {
      this.router = router;
    }

    @PostMapping(path = "/leads", consumes = "application/json")
    ResponseEntity<String> receive(@RequestBody byte[] body) {
      Lead lead = MarketplaceCodec.standard().fromJson(body);
      router.route(lead);
      return ResponseEntity.accepted().body(lead.id().toString());
    }
  }
}
