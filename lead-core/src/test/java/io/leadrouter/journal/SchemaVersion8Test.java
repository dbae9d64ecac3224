package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.internal.journal.JournalSchema;
import io.leadrouter.internal.journal.LeadPayload;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema version 8: deliveries keyed by their lead's sequence number. A journal version 7 wrote is rebuilt at its
 * first open with every lead and delivery kept as it was.
 */
class SchemaVersion8Test {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  @TempDir Path dir;

  private static Lead lead(String id) {
    return Lead.builder().id(id).createdTime(T0).firstName("Jane").lastName("Doe").email(id + "@contoso.com")
        .country("US").source("AzureMarketplace-INS|contoso.crm").build();
  }

  /** A version-7 journal: a pending lead, a lead delivered to one destination and dead at another, an orphan. */
  private Path version7Journal() throws Exception {
    Path db = Version1Journal.create(dir.resolve("v7.db"), 7);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement lead = c.prepareStatement(
            "INSERT INTO lr_leads (lead_id, payload, accepted_at) VALUES (?, ?, 0)");
        PreparedStatement delivery = c.prepareStatement("INSERT INTO lr_deliveries (id, lead_id, destination, state,"
            + " attempts, due_at, accepted_at, retry_since, updated_at, diagnosis_code) VALUES (?, ?, ?, ?, ?, 0, 0, 0,"
            + " 0, ?)")) {
      for (String id : List.of("pending", "settled")) {
        lead.setString(1, id);
        lead.setBytes(2, LeadPayload.encode(lead(id)));
        lead.executeUpdate();
      }
      Object[][] rows = {{10L, "pending", "crm", "PENDING", 0, null}, {11L, "settled", "crm", "DELIVERED", 1, null},
          {12L, "settled", "archive", "DEAD", 3, "ARCHIVE_FULL"}, {40L, "gone", "crm", "PENDING", 0, null}};
      for (Object[] r : rows) {
        for (int i = 0; i < r.length; i++) {
          delivery.setObject(i + 1, r[i]);
        }
        delivery.executeUpdate();
      }
    }
    return db;
  }

  @Test
  void version7Journal_isRebuilt_keepingEveryLeadAndDelivery() throws Exception {
    Path db = version7Journal();
    try (LeadJournal j = SqliteJournal.open(db)) {
      assertThat(j.claimDue("crm", T0, 10, Duration.ofMinutes(1)))
          .extracting(c -> c.deliveryId() + ":" + c.lead().id().value() + ":" + c.lead().customer().email())
          .containsExactly("10:pending:pending@contoso.com");
      assertThat(j.deliveries(LeadId.of("settled")))
          .extracting(d -> d.deliveryId() + ":" + d.destination() + ":" + d.state() + ":" + d.attempts() + ":"
              + d.diagnosis().map(x -> x.code()).orElse("-"))
          .containsExactly("11:crm:DELIVERED:1:-", "12:archive:DEAD:3:ARCHIVE_FULL");
      // routed again: still a duplicate, with the deliveries it had
      AcceptResult again = j.accept(lead("settled"), List.of("crm"), T0);
      assertThat(again.duplicate()).isTrue();
      assertThat(again.deliveries()).extracting(DeliveryRecord::deliveryId).containsExactly(11L, 12L);
      // a new lead's delivery takes a number after every one the old journal gave, the orphan's (40) included
      AcceptResult fresh = j.accept(lead("fresh"), List.of("crm", "archive"), T0);
      assertThat(fresh.duplicate()).isFalse();
      assertThat(fresh.deliveries()).extracting(DeliveryRecord::deliveryId).allMatch(id -> id > 40);
      assertThat(j.deliveries(LeadId.of("fresh"))).extracting(DeliveryRecord::destination)
          .containsExactly("crm", "archive");
    }
    assertThat(Version1Journal.schemaVersion(db)).isEqualTo(JournalSchema.VERSION);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      // the orphan delivery is kept (under a number no lead has), and no index is keyed by the lead id's text but
      // the lead's own
      try (ResultSet rs = s.executeQuery("SELECT lead_seq FROM lr_deliveries WHERE lead_id = 'gone'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(-40L);
      }
      List<String> keyedByLeadId = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT m.name, i.name FROM sqlite_master m, pragma_index_list(m.name) il,"
          + " pragma_index_info(il.name) i WHERE m.type = 'table' AND i.name = 'lead_id'")) {
        while (rs.next()) {
          keyedByLeadId.add(rs.getString(1));
        }
      }
      assertThat(keyedByLeadId).containsExactly("lr_leads");
    }
  }

  @Test
  void version7Journal_leftAsItWas_whenTheRebuildFails() throws Exception {
    Path db = version7Journal();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE lr_leads_v8 (x)"); // in the way of the rebuild
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SqliteJournal.open(db).close())
        .isInstanceOf(JournalException.class);
    assertThat(Version1Journal.schemaVersion(db)).isEqualTo(7);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM lr_deliveries WHERE lead_id IN ('pending', 'settled')")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(3);
    }
  }
}
