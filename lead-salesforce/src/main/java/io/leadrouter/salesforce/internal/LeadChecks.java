package io.leadrouter.salesforce.internal;

import io.leadrouter.salesforce.SalesforceErrors;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.VerificationReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Compares Lead's describe with what a sink sends and reports, as verification steps, the required fields it leaves
 * empty, the fields it names that do not exist and the restricted picklists its values may not fit.
 */
public final class LeadChecks {
  private LeadChecks() {}

  /**
   * Adds the step {@code lead fields}.
   *
   * @param sent API names of the fields the sink sends (always-filled ones included)
   * @param leadSourceField API name receiving the lead source, if sent
   * @param leadSourceValue the fixed lead-source value, if configured (else the descriptor is sent)
   * @param blockerCode the diagnosis code for required fields left empty
   * @param blockerEffect what happens to leads when a required field is left empty
   */
  public static void addSteps(VerificationReport.Builder r, LeadDescribe describe, Set<String> sent,
      Optional<String> leadSourceField, Optional<String> leadSourceValue, String blockerCode, String blockerEffect) {
    Set<String> sentLower = sent.stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    List<String> unknown = sent.stream().filter(s -> describe.field(s).isEmpty()).sorted().toList();
    if (!unknown.isEmpty()) {
      r.failed("lead fields", new Diagnosis("SALESFORCE_INVALID_FIELD",
          "Lead has no field " + String.join(", ", unknown),
          "correct fields.* / externalIdField to Lead's API names (custom fields end in __c)"));
      return;
    }
    List<String> missing = describe.fields().stream()
        .filter(f -> f.required() && !sentLower.contains(f.name().toLowerCase(Locale.ROOT)))
        .map(LeadDescribe.FieldInfo::name).toList();
    if (!missing.isEmpty()) {
      r.failed("lead fields", new Diagnosis(blockerCode,
          "Lead requires " + String.join(", ", missing) + ", which this sink does not send: " + blockerEffect,
          "map a lead part to them (fields.<part>: <ApiName>), or make them not required / give them a default "
              + "value on Lead"));
      return;
    }
    List<String> warnings = new ArrayList<>();
    for (String name : sent) {
      LeadDescribe.FieldInfo f = describe.field(name).orElseThrow();
      if (!f.restrictedPicklist()) {
        continue;
      }
      boolean isLeadSource = leadSourceField.map(name::equalsIgnoreCase).orElse(false);
      if (isLeadSource && leadSourceValue.isPresent()) {
        if (!f.picklistValues().contains(leadSourceValue.get())) {
          r.failed("lead fields", new Diagnosis(SalesforceErrors.RESTRICTED_PICKLIST,
              f.name() + " is a restricted picklist without the value '" + leadSourceValue.get() + "'",
              "set leadSourceValue to one of " + sample(f.picklistValues()) + " or add the value to the picklist"));
          return;
        }
        continue;
      }
      warnings.add(f.name() + " (allowed: " + sample(f.picklistValues()) + ")");
    }
    if (!warnings.isEmpty()) {
      r.warning("lead fields", new Diagnosis(SalesforceErrors.RESTRICTED_PICKLIST,
          "restricted picklists receive free text from leads: " + String.join("; ", warnings),
          "leads whose value is not in the list are refused: set leadSourceValue, unmap the field, or unrestrict "
              + "the picklist"));
      return;
    }
    r.passed("lead fields", "every required Lead field is sent; no restricted picklist receives free text");
  }

  /** The Lead checkboxes a do-not-contact lead sets: "Email Opt Out" and "Do Not Call". */
  public static final List<String> OPT_OUT_FIELDS = List.of("HasOptedOutOfEmail", "DoNotCall");

  /**
   * Adds the step {@code opt-out fields}: Lead's {@link #OPT_OUT_FIELDS} must be visible and createable for the
   * integration user, or every do-not-contact lead is refused ({@code effect}).
   */
  public static void addOptOutStep(VerificationReport.Builder r, LeadDescribe describe, String effect) {
    List<String> missing = OPT_OUT_FIELDS.stream().filter(n -> describe.field(n).isEmpty()).toList();
    List<String> readOnly = OPT_OUT_FIELDS.stream()
        .filter(n -> describe.field(n).map(f -> !f.createable()).orElse(false)).toList();
    if (missing.isEmpty() && readOnly.isEmpty()) {
      r.passed("opt-out fields", "a do-not-contact (DNC) lead sets " + String.join(" and ", OPT_OUT_FIELDS));
      return;
    }
    List<String> problems = new ArrayList<>();
    if (!missing.isEmpty()) {
      problems.add("Lead shows this user no field " + String.join(", ", missing));
    }
    if (!readOnly.isEmpty()) {
      problems.add(String.join(", ", readOnly) + " cannot be set on create");
    }
    r.failed("opt-out fields", new Diagnosis(SalesforceErrors.OPT_OUT_FIELD_MISSING, "a do-not-contact (DNC) lead "
        + "sets " + String.join(" and ", OPT_OUT_FIELDS) + ", but " + String.join(" and ", problems) + ": " + effect,
        "give the integration user's profile or permission set Edit access to Lead."
            + String.join(" and Lead.", OPT_OUT_FIELDS) + " (Setup > Object Manager > Lead > Fields > Set Field-Level"
            + " Security), then replay the dead letters"));
  }

  private static String sample(List<String> values) {
    if (values.size() <= 10) {
      return values.toString();
    }
    return values.subList(0, 10) + " and " + (values.size() - 10) + " more";
  }
}
