package io.leadrouter.example;

import io.leadrouter.IntakeReceipt;
import io.leadrouter.LeadRouter;
import io.leadrouter.MarketplaceCodec;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.PostMapping;
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

    // any content type: a sender labelling its JSON text/plain (or not at all) must not lose the lead to a 415.
    // The body is read up to the codec's limit and no further (a @RequestBody byte[] read any length into memory:
    // one client posting gigabytes ran the service out of heap); beyond it the answer is 413, as `leadrouter serve`
    // answers, naming the limit
    @PostMapping(path = "/leads")
    ResponseEntity<String> receive(HttpServletRequest request) throws IOException {
      int max = MarketplaceCodec.standard().maxBodyBytes();
      long declared = request.getContentLengthLong();
      if (declared > max) {
        return tooLarge("the body is " + declared + " bytes", max);
      }
      byte[] body;
      try (InputStream in = new ServletServerHttpRequest(request).getBody()) { // a form-encoded body too
        body = in.readNBytes(max + 1);
      }
      if (body.length > max) {
        return tooLarge("the body is", max);
      }
      // intake, not fromJson + route: the marketplace never sends a lead again, so a body that cannot be read
      // unambiguously (duplicate keys, wrong types) is kept in the journal's quarantine, not answered with an error
      IntakeReceipt receipt = router.intake(body, "POST /leads");
      return ResponseEntity.accepted().body(receipt instanceof IntakeReceipt.Routed routed
          ? routed.lead().id().toString()
          : "quarantined " + ((IntakeReceipt.Quarantined) receipt).quarantineId());
    }

    private static ResponseEntity<String> tooLarge(String body, int max) {
      return ResponseEntity.status(HttpStatus.PAYLOAD_TOO_LARGE).header("Connection", "close")
          .body(body + " over the limit of " + max + " bytes: a marketplace lead is a few KiB; check what is sent");
    }
  }
}
