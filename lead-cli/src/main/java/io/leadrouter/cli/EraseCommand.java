package io.leadrouter.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.ErasureIncompleteException;
import io.leadrouter.ErasureReceipt;
import io.leadrouter.LeadEraser;
import io.leadrouter.LeadId;
import io.leadrouter.Person;
import io.leadrouter.cli.internal.TextTable;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code leadrouter erase}: erases a person (GDPR/CCPA) from the journal and the file sinks' output. */
@Command(name = "erase", description = {
    "Erases a person from the journal (their leads, pending deliveries cancelled, delivery records, dead letters,"
        + " quarantined payloads) and from the file sinks' files, and prints the erasure receipt.",
    "Nothing is delivered. The CRMs' own records are out of LeadRouter's scope: the receipt names those destinations"
        + " and the erased lead ids to find the records by. Stop 'serve' first: the journal admits one process."})
final class EraseCommand extends DescriptorCommand {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Who who;

  /** Exactly one identifier. */
  static final class Who {
    @Option(names = "--email", paramLabel = "ADDRESS", description = "the person's e-mail address (any case)")
    String email;

    @Option(names = "--phone", paramLabel = "NUMBER", description = "the person's phone number (its digits count)")
    String phone;

    @Option(names = "--lead-id", paramLabel = "ID", description = "one lead's id")
    String leadId;
  }

  @Mixin
  JsonOption output;

  @Override
  int run(PrintWriter out) throws Exception {
    Person person;
    try {
      person = who.email != null ? Person.byEmail(who.email)
          : who.phone != null ? Person.byPhone(who.phone) : Person.byLeadId(LeadId.of(who.leadId));
    } catch (IllegalArgumentException e) {
      // named as written: "a phone number needs at least 6 digits" did not say which option it was about
      throw usage((who.email != null ? "--email: " : "--phone: ") + e.getMessage());
    } catch (io.leadrouter.InvalidLeadException e) {
      // a bad command line (exit 2), not a command that could not run (it was exit 3, which scripts retry)
      io.leadrouter.Problem p = e.problems().get(0);
      throw usage("--lead-id: " + p.message() + " (" + p.fix() + ")");
    }
    try (LeadEraser eraser = options.eraser()) {
      ErasureReceipt r;
      try {
        r = eraser.erase(person);
      } catch (ErasureIncompleteException e) {
        // what was done is printed all the same: the erased lead ids are needed to find the CRMs' records, and the
        // receipt keeps none of them; then what is left, with an exit code saying to run it again
        print(out, person, e.receipt(), e.remaining());
        err().println("leadrouter: " + e.getMessage());
        return Main.PARTIAL;
      }
      print(out, person, r, List.of());
      return Main.OK;
    }
  }

  private void print(PrintWriter out, Person person, ErasureReceipt r, List<String> remaining) throws Exception {
    if (output.json) {
      ObjectNode n = toJson(r, JsonOption.object());
      r.erasedLeads().forEach(id -> n.withArray("erasedLeads").add(id.value()));
      if (!r.extensionsLeft().isEmpty()) {
        ObjectNode left = n.putObject("extensionsLeft");
        r.extensionsLeft().forEach(left::put);
      }
      if (!remaining.isEmpty()) {
        remaining.forEach(n.putArray("notYetErasedFrom")::add);
      }
      JsonOption.print(out, n);
      return;
    }
    out.println((remaining.isEmpty() ? "erased " : "erased in part ") + person + ": receipt " + r.id() + " at "
        + r.at());
    TextTable table = new TextTable("WHERE", "ROWS");
    r.rows().forEach((k, v) -> table.row(k, String.valueOf(v)));
    table.print(out);
    if (remaining.isEmpty() && r.rows().values().stream().allMatch(n -> n == 0)) {
      // a spelling the leads do not carry erases nothing: said, not left to a table of zeros under "erased"
      out.println("nothing held " + person + " (no lead, delivery, quarantined payload or file line): if the"
          + " person sent leads, give the identifier as their leads carry it");
    }
    if (!r.extensionsLeft().isEmpty()) {
      // a switchboard's number: rightly left, and said here with the form that erases one (it was a log line only)
      long n = r.leadsLeftWithExtension();
      List<String> shown = r.extensionsLeft().keySet().stream().limit(5).map(x -> "ext. " + x).toList();
      String first = r.extensionsLeft().keySet().iterator().next();
      out.println("left: " + n + " lead" + (n == 1 ? " holds" : "s hold") + " this number with an extension ("
          + String.join(", ", shown) + (r.extensionsLeft().size() > shown.size() ? ", ..." : "") + "), not erased:"
          + " a number with extensions is a switchboard's, shared by colleagues. To erase one of them, give the"
          + " number with its extension: leadrouter erase --phone '<the number> ext. " + first + "'");
    }
    if (!r.notErased().isEmpty()) {
      out.println("not erased by LeadRouter (the destination's own records; erase them there): "
          + String.join(", ", r.notErased()));
    }
    if (!r.erasedLeads().isEmpty()) {
      out.println("erased lead ids (to find the records in those destinations; not kept in the receipt): "
          + String.join(", ", r.erasedLeads().stream().map(LeadId::value).toList()));
    }
    if (!remaining.isEmpty()) {
      out.println("not yet erased from: " + String.join("; ", remaining) + " (run the same erase again once"
          + " that is fixed)");
    }
  }

  /** Writes the receipt's kept parts (no personal data) into {@code n}: as printed here and by {@code inspect}. */
  static ObjectNode toJson(ErasureReceipt r, ObjectNode n) {
    n.put("receipt", r.id());
    n.put("at", r.at().toString());
    n.put("subject", r.subject());
    ObjectNode rows = n.putObject("rows");
    r.rows().forEach(rows::put);
    r.notErased().forEach(n.putArray("notErased")::add);
    return n;
  }
}
