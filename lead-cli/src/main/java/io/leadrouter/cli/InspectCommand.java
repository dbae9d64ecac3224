package io.leadrouter.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.Lead;
import io.leadrouter.Pii;
import io.leadrouter.cli.internal.TextTable;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.Diagnosis;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code leadrouter inspect pending|dead-letters}: lists deliveries from the journal, personal data masked. */
@Command(name = "inspect", description = {
    "Lists pending deliveries or dead letters from the descriptor's journal, e-mails and phones masked.",
    "Opens only the journal (no delivery runs); stop 'serve' first, the journal admits one process at a time."})
final class InspectCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What to list. */
  enum What {
    /** Deliveries still to be made. */
    PENDING,
    /** Deliveries that failed for good. */
    DEAD_LETTERS
  }

  @Mixin
  DescriptorOption options;

  @Parameters(index = "0", paramLabel = "pending|dead-letters", converter = WhatConverter.class,
      description = "pending (still to be delivered: pending, retrying, parked) or dead-letters")
  What what;

  @Mixin
  DeliveryFilter filter;

  @Option(names = "--limit", defaultValue = "1000", description = "list at most this many (default ${DEFAULT-VALUE})")
  int limit;

  @Option(names = "--json", description = "print a JSON array instead of a table")
  boolean json;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    DeliveryQuery base = what == What.PENDING ? DeliveryQuery.pending() : DeliveryQuery.deadLetters();
    DeliveryQuery query = filter.apply(spec.commandLine(), base).limit(Math.max(1, limit));
    try (LeadJournal journal = options.journal()) {
      List<DeliveryRecord> records = journal.list(query);
      if (json) {
        ArrayNode array = JSON.createArrayNode();
        records.forEach(r -> array.add(toJson(r, journal.lead(r.leadId()))));
        out.println(JSON.writeValueAsString(array));
      } else {
        TextTable table = new TextTable("LEAD", "SINK", "STATE", "ATTEMPTS", "UPDATED", "CUSTOMER", "SOURCE", "CODE",
            "MESSAGE");
        for (DeliveryRecord r : records) {
          Optional<Lead> lead = journal.lead(r.leadId());
          table.row(r.leadId().value(), r.destination(), state(r), String.valueOf(r.attempts()),
              r.updatedAt().toString(), lead.map(InspectCommand::customer).orElse(""),
              lead.map(l -> l.source().raw()).orElse(""), r.diagnosis().map(Diagnosis::code).orElse(""),
              r.diagnosis().map(Diagnosis::toString).or(r::lastError).orElse(""));
        }
        if (!table.isEmpty()) {
          table.print(out);
          out.println();
        }
        out.println(records.size() + (what == What.PENDING ? " pending deliveries" : " dead letters")
            + (records.size() == query.limit() ? " (limit reached: narrow with filters or raise --limit)" : ""));
      }
    }
    return Main.OK;
  }

  private static String state(DeliveryRecord r) {
    String s = r.state().name().toLowerCase(Locale.ROOT).replace('_', '-');
    return r.state() == io.leadrouter.journal.DeliveryState.PENDING && r.attempts() > 0 ? "retrying" : s;
  }

  private static String customer(Lead lead) {
    return lead.isAnonymous() ? "(no e-mail)" : Pii.maskEmail(lead.customer().email());
  }

  private static ObjectNode toJson(DeliveryRecord r, Optional<Lead> lead) {
    ObjectNode n = JSON.createObjectNode();
    n.put("leadId", r.leadId().value());
    n.put("sink", r.destination());
    n.put("state", state(r));
    n.put("attempts", r.attempts());
    n.put("acceptedAt", text(r.acceptedAt()));
    n.put("dueAt", text(r.dueAt()));
    n.put("updatedAt", text(r.updatedAt()));
    r.diagnosis().ifPresentOrElse(d -> {
      ObjectNode dn = n.putObject("diagnosis");
      dn.put("code", d.code());
      dn.put("message", d.message());
      dn.put("fix", d.remediation());
    }, () -> n.putNull("diagnosis"));
    n.put("lastError", r.lastError().orElse(null));
    lead.ifPresent(l -> {
      ObjectNode c = n.putObject("customer");
      c.put("email", Pii.maskEmail(l.customer().email()));
      c.put("phone", Pii.maskPhone(l.customer().phone()));
      c.put("country", l.customer().country());
      c.put("company", l.customer().company());
      n.put("source", l.source().raw());
      n.put("offerTitle", l.offerTitle());
      n.put("test", l.isTest());
      n.put("createdTime", text(l.createdTime()));
    });
    return n;
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  /** Accepts {@code pending}, {@code dead-letters} (and {@code dead_letters}). */
  static final class WhatConverter implements picocli.CommandLine.ITypeConverter<What> {
    @Override
    public What convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "pending" -> What.PENDING;
        case "dead-letters", "dead_letters", "deadletters", "dead" -> What.DEAD_LETTERS;
        default -> throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "': expected pending or dead-letters");
      };
    }
  }
}
