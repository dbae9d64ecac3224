package io.leadrouter.internal.journal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.leadrouter.CustomerInfo;
import io.leadrouter.Lead;
import io.leadrouter.LeadFlag;
import io.leadrouter.LeadId;
import io.leadrouter.LeadSource;
import io.leadrouter.internal.IsoInstants;
import io.leadrouter.journal.JournalDamagedException;
import io.leadrouter.journal.JournalException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The journal's own encoding of a lead: compact JSON that keeps every part exactly (including the parsed source), so
 * a lead read back equals the lead accepted. Versioned by the {@code v} field.
 */
public final class LeadPayload {
  private static final JsonFactory JSON = new JsonFactory();

  private LeadPayload() {}

  /** Encodes a lead. */
  public static byte[] encode(Lead lead) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      CustomerInfo c = lead.customer();
      LeadSource s = lead.source();
      g.writeStartObject();
      // version 2 only when the lead has flags, so that journals without them stay readable by older versions
      g.writeNumberField("v", lead.flags().isEmpty() ? 1 : 2);
      g.writeStringField("id", lead.id().value());
      g.writeStringField("created", IsoInstants.format(lead.createdTime()));
      g.writeStringField("fn", c.firstName());
      g.writeStringField("ln", c.lastName());
      g.writeStringField("em", c.email());
      g.writeStringField("ph", c.phone());
      g.writeStringField("co", c.country());
      g.writeStringField("cp", c.company());
      g.writeStringField("ti", c.title());
      g.writeStringField("src", s.raw());
      g.writeStringField("ch", s.channelText());
      g.writeStringField("ac", s.actionText());
      g.writeStringField("of", s.offerId());
      g.writeStringField("ot", lead.offerTitle());
      g.writeStringField("de", lead.description());
      if (!lead.attributes().isEmpty()) {
        g.writeObjectFieldStart("at");
        for (Map.Entry<String, String> e : lead.attributes().entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      if (!lead.flags().isEmpty()) {
        g.writeArrayFieldStart("fl");
        for (LeadFlag f : lead.flags()) {
          g.writeStartArray();
          g.writeString(f.code());
          g.writeString(f.path());
          g.writeString(f.message());
          g.writeString(f.original());
          g.writeEndArray();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("in-memory encoding cannot fail", e);
    }
    return out.toByteArray();
  }

  /** Decodes a lead written by {@link #encode}. */
  public static Lead decode(byte[] payload) {
    Map<String, String> f = new LinkedHashMap<>();
    Map<String, String> attributes = new LinkedHashMap<>();
    List<LeadFlag> flags = new ArrayList<>();
    try (JsonParser p = JSON.createParser(payload)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (t == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            p.nextToken();
            attributes.put(k, p.getText());
          }
        } else if (t == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_ARRAY) {
            List<String> parts = new ArrayList<>(4);
            while (p.nextToken() != JsonToken.END_ARRAY) {
              parts.add(p.getText());
            }
            flags.add(new LeadFlag(parts.get(0), parts.get(1), parts.get(2), parts.get(3)));
          }
        } else {
          f.put(name, p.getText());
        }
      }
    } catch (IOException | RuntimeException e) { // we wrote it valid: bytes changed on disk
      throw new JournalDamagedException("a lead in the journal is damaged and cannot be read: " + e.getMessage(), e);
    }
    if (!"1".equals(f.get("v")) && !"2".equals(f.get("v"))) {
      throw new JournalException("a lead in the journal has payload version " + f.get("v")
          + ", which this version of LeadRouter does not know: upgrade LeadRouter");
    }
    try {
      return new Lead(LeadId.of(f.get("id")), IsoInstants.parse(f.get("created")),
          new CustomerInfo(f.get("fn"), f.get("ln"), f.get("em"), f.get("ph"), f.get("co"), f.get("cp"), f.get("ti")),
          LeadSource.of(f.get("ch"), f.get("ac"), f.get("of"), f.get("src")), f.get("ot"), f.get("de"), attributes,
          flags);
    } catch (RuntimeException e) { // we wrote it valid: bytes changed on disk
      throw new JournalDamagedException("a lead in the journal is damaged and cannot be read: " + e.getMessage(), e);
    }
  }

  private static void expect(JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException("expected " + expected + " but found " + actual);
    }
  }
}
