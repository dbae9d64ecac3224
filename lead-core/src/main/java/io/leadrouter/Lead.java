package io.leadrouter;

import io.leadrouter.spi.Scrubber;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A sales lead produced by a cloud marketplace. Immutable; its {@link LeadId} is stable across every delivery
 * attempt. Build one with {@link #builder()} or decode a marketplace payload with {@link MarketplaceCodec}.
 *
 * @param id stable identity, used by sinks as their upsert or dedup key
 * @param createdTime when the marketplace created the lead
 * @param customer the customer's details
 * @param source the parsed lead-source descriptor
 * @param offerTitle the offer's display name, may be empty
 * @param description free text; may carry campaign data as JSON, kept verbatim
 * @param attributes any further attributes, kept so that nothing the marketplace sent is lost
 * @param flags what intake noted: values normalised (originals kept), kept verbatim but odd, or in conflict
 */
public record Lead(
    LeadId id,
    Instant createdTime,
    CustomerInfo customer,
    LeadSource source,
    String offerTitle,
    String description,
    Map<String, String> attributes,
    List<LeadFlag> flags) {

  /** .NET ticks (100 ns intervals since 0001-01-01) at the Unix epoch: the marketplace's {@code <ticks>}. */
  private static final long DOTNET_TICKS_AT_EPOCH = 621_355_968_000_000_000L;
  private static final Pattern TEST_VALUE = Pattern.compile("MSFT_TEST_\\d+");
  private static final Pattern TEST_EMAIL = Pattern.compile("MSFT_TEST_\\d+@test\\.com", Pattern.CASE_INSENSITIVE);

  /** Checks required parts and copies the attributes. */
  public Lead {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(createdTime, "createdTime");
    Objects.requireNonNull(customer, "customer");
    Objects.requireNonNull(source, "source");
    offerTitle = Objects.requireNonNullElse(offerTitle, "");
    description = Objects.requireNonNullElse(description, "");
    attributes = attributes == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    flags = flags == null ? List.of() : List.copyOf(flags);
  }

  /** A lead without intake flags. */
  public Lead(LeadId id, Instant createdTime, CustomerInfo customer, LeadSource source, String offerTitle,
      String description, Map<String, String> attributes) {
    this(id, createdTime, customer, source, offerTitle, description, attributes, List.of());
  }

  /** Whether intake noted anything about this lead (see {@link #flags()}). */
  public boolean isFlagged() {
    return !flags.isEmpty();
  }

  /** This lead with {@code more} flags added, leaving out any whose code and path it already has. */
  public Lead withFlags(List<LeadFlag> more) {
    if (more.isEmpty()) {
      return this;
    }
    List<LeadFlag> all = new ArrayList<>(flags);
    for (LeadFlag f : more) {
      if (all.stream().noneMatch(g -> g.code().equals(f.code()) && g.path().equals(f.path()))) {
        all.add(f);
      }
    }
    return new Lead(id, createdTime, customer, source, offerTitle, description, attributes, all);
  }

  /** A builder with a random id and the current time, to be overridden as needed. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this lead's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Whether this is the marketplace's publish-time test lead: the source descriptor in the form
   * {@code MSFT_TEST_<ticks>-MSFT_TEST_<ticks>|Offer}, or first name, last name and company {@code MSFT_TEST_<ticks>}
   * with e-mail {@code MSFT_TEST_<ticks>@test.com}. Test leads are routed like any other.
   */
  public boolean isTest() {
    if (source.isTest()) {
      return true;
    }
    return TEST_VALUE.matcher(customer.firstName()).matches()
        && TEST_VALUE.matcher(customer.lastName()).matches()
        && TEST_VALUE.matcher(customer.company()).matches()
        && TEST_EMAIL.matcher(customer.email()).matches();
  }

  /**
   * Whether the customer asked not to be contacted ({@code DNC}, also when {@code ActionCode} said so against the
   * lead source): sinks set their destination's own opt-out fields for such a lead, never drop it.
   */
  public boolean isDoNotContact() {
    return source.action() == LeadAction.DO_NOT_CONTACT;
  }

  /**
   * The test lead the marketplace sends when a publisher publishes or saves an offer's lead settings, as every sink's
   * {@code verify()} sends it: first and last name, company, title and description {@code MSFT_TEST_<ticks>}, e-mail
   * {@code MSFT_TEST_<ticks>@test.com}, phone {@code 1234567890}, country {@code US}, lead source
   * {@code MSFT_TEST_<ticks>-MSFT_TEST_<ticks>|<offerTitle>}, lead id {@code MSFT_TEST_<ticks>}. {@code <ticks>} are
   * .NET ticks (100 ns since 0001-01-01) of the clock's time, as the marketplace writes them.
   */
  public static Lead marketplaceTestLead(Clock clock, String offerTitle) {
    Objects.requireNonNull(offerTitle, "offerTitle");
    Instant now = clock.instant();
    String t = "MSFT_TEST_" + (DOTNET_TICKS_AT_EPOCH + now.getEpochSecond() * 10_000_000L + now.getNano() / 100);
    return builder().id(LeadId.of(t)).createdTime(now).firstName(t).lastName(t).email(t + "@test.com")
        .phone("1234567890").country("US").company(t).title(t).description(t)
        .source(t + "-" + t + "|" + offerTitle).offerTitle(offerTitle).build();
  }

  /** Whether the lead carries no e-mail (e.g. customers on {@code .edu} domains): valid, but anonymous. */
  public boolean isAnonymous() {
    return !customer.hasEmail();
  }

  /**
   * Shows the lead with personal data masked, safe to log: the e-mail and phone fields, and any e-mail or phone a
   * free-text field (source, offer title, company, title) holds.
   */
  @Override
  public String toString() {
    // the id as the router's log lines show it: a sender may make it of the customer's phone (tel-4915112345678),
    // which the phone rule does not take for one inside an id
    return Scrubber.standard().maskPersonalData("Lead[id=" + Pii.maskLeadId(id.value()) + ", createdTime=" + createdTime + ", customer="
        + customer + ", source=" + source.raw() + ", offerTitle=" + offerTitle
        + (flags.isEmpty() ? "" : ", flags=" + flags) + "]");
  }

  /** Builds a {@link Lead}; every setter takes the marketplace's own names. */
  public static final class Builder {
    private LeadId id;
    private Instant createdTime;
    private String firstName = "";
    private String lastName = "";
    private String email = "";
    private String phone = "";
    private String country = "";
    private String company = "";
    private String title = "";
    private LeadSource source = LeadSource.NONE;
    private String offerTitle = "";
    private String description = "";
    private final Map<String, String> attributes = new LinkedHashMap<>();
    private final List<LeadFlag> flags = new ArrayList<>();

    private Builder() {}

    private Builder(Lead lead) {
      id = lead.id;
      createdTime = lead.createdTime;
      customer(lead.customer);
      source = lead.source;
      offerTitle = lead.offerTitle;
      description = lead.description;
      attributes.putAll(lead.attributes);
      flags.addAll(lead.flags);
    }

    /** Sets the stable id; a random one is used when not set. */
    public Builder id(LeadId id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    /** Sets the stable id from text. */
    public Builder id(String id) {
      return id(LeadId.of(id));
    }

    /** Sets the creation time; now when not set. */
    public Builder createdTime(Instant createdTime) {
      this.createdTime = Objects.requireNonNull(createdTime, "createdTime");
      return this;
    }

    /** Sets all customer details at once. */
    public Builder customer(CustomerInfo c) {
      Objects.requireNonNull(c, "customer");
      firstName = c.firstName();
      lastName = c.lastName();
      email = c.email();
      phone = c.phone();
      country = c.country();
      company = c.company();
      title = c.title();
      return this;
    }

    /** Sets the customer's first name. */
    public Builder firstName(String v) {
      firstName = v;
      return this;
    }

    /** Sets the customer's last name. */
    public Builder lastName(String v) {
      lastName = v;
      return this;
    }

    /** Sets the customer's e-mail. */
    public Builder email(String v) {
      email = v;
      return this;
    }

    /** Sets the customer's phone. */
    public Builder phone(String v) {
      phone = v;
      return this;
    }

    /** Sets the customer's country: ISO 3166 alpha-2 ideally; other spellings are normalised when routed. */
    public Builder country(String v) {
      country = v;
      return this;
    }

    /** Sets the customer's company. */
    public Builder company(String v) {
      company = v;
      return this;
    }

    /** Sets the customer's job title. */
    public Builder title(String v) {
      title = v;
      return this;
    }

    /** Sets the lead source from its descriptor text {@code Source-Action|Offer}. */
    public Builder source(String descriptor) {
      source = LeadSource.parse(descriptor);
      return this;
    }

    /** Sets the parsed lead source. */
    public Builder source(LeadSource source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Sets the offer's display name. */
    public Builder offerTitle(String v) {
      offerTitle = v;
      return this;
    }

    /** Sets the description, kept verbatim. */
    public Builder description(String v) {
      description = v;
      return this;
    }

    /** Adds one extra attribute. */
    public Builder attribute(String key, String value) {
      attributes.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Records what intake noted about the lead. */
    public Builder flag(LeadFlag flag) {
      flags.add(Objects.requireNonNull(flag, "flag"));
      return this;
    }

    /** Builds the lead. */
    public Lead build() {
      return new Lead(id == null ? LeadId.random() : id, createdTime == null ? Instant.now() : createdTime,
          new CustomerInfo(firstName, lastName, email, phone, country, company, title), source, offerTitle,
          description, attributes, flags);
    }
  }
}
