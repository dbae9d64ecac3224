package io.leadrouter.example;

import io.leadrouter.IntakeReceipt;
import io.leadrouter.LeadRouter;
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

  /**
   * {@code POST /leads} with the marketplace's JSON: 202 once the payload is durable, with the lead id, or with
   * {@code quarantined <id>} when it cannot be read unambiguously (then {@code leadrouter inspect} shows why).
   */
  @RestController
  static class Leads {
    private final LeadRouter router;

    Leads(LeadRouter router) {
      this.router = router;
    }

    // any content type: a sender labelling its JSON text/plain (or not at all) must not lose the lead to a 415
    @PostMapping(path = "/leads")
    ResponseEntity<String> receive(@RequestBody byte[] body) {
      // intake, not fromJson + route: the marketplace never sends a lead again, so a body that cannot be read
      // unambiguously (duplicate keys, wrong types) is kept in the journal's quarantine, not answered with an error
      IntakeReceipt receipt = router.intake(body, "POST /leads");
      return ResponseEntity.accepted().body(receipt instanceof IntakeReceipt.Routed routed
          ? routed.lead().id().toString()
          : "quarantined " + ((IntakeReceipt.Quarantined) receipt).quarantineId());
    }
  }
}
