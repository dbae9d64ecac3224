package io.leadrouter;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link LeadRouter#erase(Person)} removed, kept in the journal ({@code lr_erasure}) without any personal data:
 * not the e-mail, phone or lead ids, only what kind of identifier was given and how many rows went where.
 *
 * @param id the receipt's number in the journal
 * @param at when the erasure was committed
 * @param subject what identified the person: {@code email}, {@code phone} or {@code lead_id} (never the value)
 * @param rows rows removed per place, e.g. {@code leads=2}, {@code deliveries.pending=1} (cancelled),
 *     {@code deliveries.delivered=3}, {@code deliveries.dead=1}, {@code quarantine=1}, {@code sink.archive=2}
 *     (lines of a file sink)
 * @param notErased destinations whose own copy is not erased by LeadRouter (the CRMs: erase there yourself, e.g.
 *     by the lead ids in {@code erasedLeads})
 * @param erasedLeads the ids of the erased leads, so the CRMs' records keyed by them can be found; returned to the
 *     caller only, never stored (empty in {@link LeadRouter#erasures(int)})
 * @param extensionsLeft for an erasure by phone number: the leads the journal still holds because their phone is this
 *     number followed by an extension ({@code +1 425 555 0100 ext. 12} for {@code +1 425 555 0100}), counted by
 *     extension ({@code 12=1}, in the extensions' order). Those leads are not the person's: a number with extensions
 *     is a switchboard's, shared by colleagues. To erase one of them, erase by the number with its extension
 *     ({@code Person.byPhone("+1 425 555 0100 ext. 12")}). Empty otherwise; returned to the caller only, never stored
 */
public record ErasureReceipt(long id, Instant at, String subject, Map<String, Long> rows, List<String> notErased,
    List<LeadId> erasedLeads, Map<String, Long> extensionsLeft) {

  /** Copies the parts. */
  public ErasureReceipt {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(subject, "subject");
    rows = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rows));
    notErased = List.copyOf(notErased);
    erasedLeads = List.copyOf(erasedLeads);
    extensionsLeft = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(extensionsLeft));
  }

  /** A receipt without {@link #extensionsLeft()} (an erasure by e-mail or lead id, or a receipt read back). */
  public ErasureReceipt(long id, Instant at, String subject, Map<String, Long> rows, List<String> notErased,
      List<LeadId> erasedLeads) {
    this(id, at, subject, rows, notErased, erasedLeads, Map.of());
  }

  /** How many leads the journal still holds with the number followed by an extension: see {@link #extensionsLeft}. */
  public long leadsLeftWithExtension() {
    return extensionsLeft.values().stream().mapToLong(Long::longValue).sum();
  }

  /** How many leads of the person the journal held. */
  public long leads() {
    return rows.getOrDefault("leads", 0L);
  }

  /** The rows as stored: {@code key=count} joined by {@code ;}. */
  public static String format(Map<String, Long> rows) {
    StringBuilder b = new StringBuilder();
    rows.forEach((k, v) -> b.append(b.length() == 0 ? "" : ";").append(k).append('=').append(v));
    return b.toString();
  }

  /** Reads what {@link #format} wrote. */
  public static Map<String, Long> parse(String text) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (text != null && !text.isEmpty()) {
      for (String part : text.split(";")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          out.put(part.substring(0, eq), Long.parseLong(part.substring(eq + 1)));
        }
      }
    }
    return out;
  }

  /** A copy with more rows (a sink's) and destinations not erased. */
  public ErasureReceipt with(Map<String, Long> moreRows, List<String> moreNotErased) {
    Map<String, Long> r = new LinkedHashMap<>(rows);
    r.putAll(moreRows);
    List<String> n = new java.util.ArrayList<>(notErased);
    n.addAll(moreNotErased);
    return new ErasureReceipt(id, at, subject, r, n, erasedLeads, extensionsLeft);
  }
}
