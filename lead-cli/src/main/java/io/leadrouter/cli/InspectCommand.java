package io.leadrouter.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.Lead;
import io.leadrouter.Pii;
import io.leadrouter.cli.internal.TerminalText;
import io.leadrouter.cli.internal.TextTable;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.Scrubber;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code leadrouter inspect pending|dead-letters}: lists deliveries from the journal, personal data masked. */
@Command(name = "inspect", description = {
    "Lists pending deliveries or dead letters from the descriptor's journal, e-mails and phones masked.",
    "Opens only the journal (no delivery runs); stop 'serve' first, the journal admits one process at a time."})
final class InspectCommand extends DescriptorCommand {
  /** What to list. */
  enum What {
    /** Deliveries still to be made. */
    PENDING,
    /** Deliveries that failed for good. */
    DEAD_LETTERS,
    /** Payloads that could not be read unambiguously, kept in the journal. */
    QUARANTINE,
    /** Erasure receipts (no personal data). */
    ERASURES
  }

  @Parameters(index = "0", paramLabel = "pending|dead-letters|quarantine|erasures", converter = WhatConverter.class,
      description = "pending (still to be delivered: pending, retrying, parked), dead-letters, quarantine "
          + "(payloads that could not be read unambiguously) or erasures (receipts of 'leadrouter erase')")
  What what;

  @Parameters(index = "1", arity = "0..1", paramLabel = "ID",
      description = "with quarantine: show this quarantined payload, e-mails and phone numbers masked")
  Long quarantineId;

  @Mixin
  DeliveryFilter filter;

  @Option(names = "--limit", defaultValue = "1000", description = "list at most this many (default ${DEFAULT-VALUE})")
  int limit;

  @Mixin
  JsonOption output;

  @Override
  int run(PrintWriter out) throws Exception {
    if (limit < 1) {
      throw usage("--limit: " + limit + " is below 1");
    }
    if (quarantineId != null && what != What.QUARANTINE) {
      throw usage("ID (" + quarantineId + ") names a quarantined payload: 'leadrouter inspect quarantine "
          + quarantineId + "'; " + label(what) + " takes no ID (narrow with --sink, --code, --since)");
    }
    if ((what == What.QUARANTINE || what == What.ERASURES) && filter.any()) {
      throw usage("--sink, --code and --since select deliveries (pending, dead-letters): " + label(what)
          + " lists without them (use --limit)");
    }
    if (what == What.QUARANTINE) {
      return quarantine(out);
    }
    if (what == What.ERASURES) {
      return erasures(out);
    }
    DeliveryQuery base = what == What.PENDING ? DeliveryQuery.pending() : DeliveryQuery.deadLetters();
    filter.checkWithoutJournal(spec.commandLine());
    try (LeadJournal journal = options.journal()) {
      java.util.Set<String> known = new java.util.HashSet<>(options.load().sinks().keySet());
      known.addAll(journal.counts().keySet());
      DeliveryQuery query = filter.apply(spec.commandLine(), base, known).limit(limit);
      List<DeliveryRecord> records = journal.list(query);
      if (output.json) {
        ArrayNode array = JsonOption.array();
        records.forEach(r -> array.add(toJson(r, journal.lead(r.leadId()))));
        JsonOption.print(out, array);
      } else {
        TextTable table = new TextTable("LEAD", "SINK", "STATE", "ATTEMPTS", "UPDATED", "CUSTOMER", "SOURCE", "CODE",
            "MESSAGE");
        for (DeliveryRecord r : records) {
          Optional<Lead> lead = journal.lead(r.leadId());
          table.row(r.leadId().value(), r.destination(), state(r), String.valueOf(r.attempts()),
              r.updatedAt().toString(), lead.map(InspectCommand::customer).orElse(""),
              lead.map(l -> MASK.maskPersonalData(l.source().raw())).orElse(""),
              r.diagnosis().map(Diagnosis::code).orElse(""),
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

  private int quarantine(PrintWriter out) throws Exception {
    try (LeadJournal journal = options.journal()) {
      if (quarantineId != null) {
        Optional<io.leadrouter.journal.QuarantinedPayload> q = journal.quarantined(quarantineId);
        if (q.isEmpty()) {
          out.println("no quarantined payload " + quarantineId);
          return Main.FAILED;
        }
        io.leadrouter.journal.QuarantinedPayload p = q.get();
        if (output.json) { // --json was ignored here: the text below printed instead
          JsonOption.print(out, toJson(p, JsonOption.object()).put("payload", p.maskedText()));
          return Main.OK;
        }
        out.println("id:       " + p.id());
        out.println("received: " + p.receivedAt());
        out.println("from:     " + TerminalText.of(p.maskedOrigin()));
        out.println("size:     " + p.payload().length + " bytes");
        out.println("why:      " + p.diagnosis());
        out.println("payload (e-mails and phone numbers masked; control and invisible characters as <U+XXXX>):");
        out.println(TerminalText.of(p.maskedText())); // the sender's bytes: never its ESC sequences raw
        return Main.OK;
      }
      List<io.leadrouter.journal.QuarantinedPayload> all = journal.quarantined(limit);
      if (output.json) {
        ArrayNode array = JsonOption.array();
        for (io.leadrouter.journal.QuarantinedPayload p : all) {
          toJson(p, array.addObject());
        }
        JsonOption.print(out, array);
      } else {
        TextTable table = new TextTable("ID", "RECEIVED", "FROM", "BYTES", "CODE", "WHY");
        for (io.leadrouter.journal.QuarantinedPayload p : all) {
          table.row(String.valueOf(p.id()), p.receivedAt().toString(), p.maskedOrigin(),
              String.valueOf(p.payload().length), p.diagnosis().code(), p.diagnosis().message());
        }
        if (!table.isEmpty()) {
          table.print(out);
          out.println();
        }
        out.println(all.size() + " quarantined payloads" + (all.size() == limit ? " (limit reached: raise --limit)"
            : "") + (all.isEmpty() ? "" : "; show one with 'leadrouter inspect quarantine ID', read them again with"
            + " 'leadrouter replay --quarantined'"));
      }
      return Main.OK;
    }
  }

  private int erasures(PrintWriter out) throws Exception {
    try (LeadJournal journal = options.journal()) {
      List<io.leadrouter.ErasureReceipt> all = journal.erasures(limit);
      if (output.json) {
        ArrayNode array = JsonOption.array();
        for (io.leadrouter.ErasureReceipt r : all) {
          EraseCommand.toJson(r, array.addObject());
        }
        JsonOption.print(out, array);
        return Main.OK;
      }
      TextTable table = new TextTable("RECEIPT", "AT", "BY", "ROWS", "NOT ERASED");
      for (io.leadrouter.ErasureReceipt r : all) {
        table.row(String.valueOf(r.id()), r.at().toString(), r.subject(),
            io.leadrouter.ErasureReceipt.format(r.rows()).replace(";", " "), String.join(",", r.notErased()));
      }
      if (!table.isEmpty()) {
        table.print(out);
        out.println();
      }
      out.println(all.size() + " erasures");
      return Main.OK;
    }
  }

  /** A quarantined payload's description (not its content) into {@code n}. */
  private static ObjectNode toJson(io.leadrouter.journal.QuarantinedPayload p, ObjectNode n) {
    n.put("id", p.id());
    n.put("receivedAt", p.receivedAt().toString());
    n.put("origin", p.maskedOrigin()); // a lead id noted in it may hold a phone: tel-***78
    n.put("size", p.payload().length);
    n.putObject("diagnosis").put("code", p.diagnosis().code()).put("message", p.diagnosis().message())
        .put("fix", p.diagnosis().remediation());
    return n;
  }

  private static String label(What w) {
    return w.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String state(DeliveryRecord r) {
    String s = r.state().name().toLowerCase(Locale.ROOT).replace('_', '-');
    return r.state() == io.leadrouter.journal.DeliveryState.PENDING && r.attempts() > 0 ? "retrying" : s;
  }

  /** Free-text fields (source, company, offer title) may hold an e-mail or phone too: masked like the rest. */
  private static final Scrubber MASK = Scrubber.standard();

  private static String customer(Lead lead) {
    return lead.isAnonymous() ? "(no e-mail)" : Pii.maskEmail(lead.customer().email());
  }

  private static ObjectNode toJson(DeliveryRecord r, Optional<Lead> lead) {
    ObjectNode n = JsonOption.object();
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
      c.put("company", MASK.maskPersonalData(l.customer().company()));
      n.put("source", MASK.maskPersonalData(l.source().raw()));
      n.put("offerTitle", MASK.maskPersonalData(l.offerTitle()));
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
        case "quarantine", "quarantined" -> What.QUARANTINE;
        case "erasures", "erasure", "erased" -> What.ERASURES;
        default -> throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "': expected pending, dead-letters, quarantine or erasures");
      };
    }
  }
}
